import { describe, expect, it } from "vitest";
import { acceptContentType, normalizeContentType } from "./media-types";
import { UnsupportedMediaTypeError, ValidationError } from "./errors";

describe("media types", () => {
  it("normalises case, parameters and aliases", () => {
    expect(normalizeContentType("Audio/MPEG; charset=binary")).toBe("audio/mpeg");
    expect(normalizeContentType("image/jpg")).toBe("image/jpeg");
    expect(normalizeContentType("audio/x-wav")).toBe("audio/wav");
    expect(acceptContentType("audio/mp3")).toEqual({ contentType: "audio/mpeg", kind: "audio" });
    expect(acceptContentType("image/webp")).toEqual({ contentType: "image/webp", kind: "image" });
  });

  it("refuses SVG, documents and executables with 415", () => {
    for (const t of ["image/svg+xml", "text/html", "application/octet-stream", "application/x-msdownload", "video/mp4"]) {
      expect(() => acceptContentType(t)).toThrow(UnsupportedMediaTypeError);
    }
  });

  it("refuses strings that are not media types with 400", () => {
    for (const t of ["", "image", "image/png\r\nX-Evil: 1", "/png", "image/ png"]) {
      expect(() => acceptContentType(t)).toThrow(ValidationError);
    }
  });
});
