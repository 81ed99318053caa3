import { describe, expect, it } from "vitest";
import { acceptFileName, contentDisposition } from "./file-name";

describe("file names", () => {
  it("keeps ordinary and Unicode names, trimmed", () => {
    expect(acceptFileName("  holiday photo.JPG ")).toBe("holiday photo.JPG");
    expect(acceptFileName("été 2024 — 🎵.mp3")).toBe("été 2024 — 🎵.mp3");
  });

  it("refuses paths, control characters, dot names, empty and overlong names", () => {
    for (const bad of ["../etc/passwd", "a/b.png", "a\\b.png", "a\nb.png", "a\u0000.png", "evil\u202Egnp.exe", ".", "..", "   ", "x".repeat(256)]) {
      expect(() => acceptFileName(bad), JSON.stringify(bad)).toThrow(/file name/i);
    }
    expect(() => acceptFileName("é".repeat(128))).toThrow(/255 bytes/);
  });

  it("encodes Content-Disposition per RFC 6266 / 5987", () => {
    expect(contentDisposition("attachment", "report.png")).toBe(`attachment; filename="report.png"; filename*=UTF-8''report.png`);
    expect(contentDisposition("inline", `été "x" (1).mp3`)).toBe(
      `inline; filename="ete _x_ (1).mp3"; filename*=UTF-8''%C3%A9t%C3%A9%20%22x%22%20%281%29.mp3`,
    );
    expect(contentDisposition("attachment", "雨.png")).toBe(`attachment; filename="_.png"; filename*=UTF-8''%E9%9B%A8.png`);
  });
});
