import { describe, expect, it } from "vitest";
import { ACCEPTED_MEDIA_TEXT, acceptContentType, declaredTypeFits, normalizeContentType } from "./media-types";
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

  it("matches a detected type against the declared one through aliases and the HEIF, Ogg and M4A families", () => {
    expect(declaredTypeFits("image/jpg", "image/jpeg")).toBe(true);
    expect(declaredTypeFits("audio/x-m4a", "audio/mp4")).toBe(true);
    expect(declaredTypeFits("audio/aac", "audio/mp4")).toBe(true);
    expect(declaredTypeFits("audio/x-wav", "audio/vnd.wave")).toBe(true);
    expect(declaredTypeFits("audio/ogg", "audio/opus")).toBe(true);
    expect(declaredTypeFits("image/heif", "image/heic")).toBe(true);
    // A plain Ogg (Vorbis) is not Opus, a PNG is not a JPEG, an executable is nothing we accept.
    expect(declaredTypeFits("audio/opus", "audio/ogg")).toBe(false);
    expect(declaredTypeFits("image/jpeg", "image/png")).toBe(false);
    expect(declaredTypeFits("image/png", "application/x-elf")).toBe(false);
    expect(declaredTypeFits("video/mp4", "video/mp4")).toBe(false);
    expect(declaredTypeFits("image/png", "not a type")).toBe(false);
  });
});

describe("the accepted types in words", () => {
  it("name every allowed type once, images then audio, and are what the API says and the README shows", async () => {
    expect(ACCEPTED_MEDIA_TEXT).toBe("JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF images and MP3, M4A/AAC, Ogg/Opus, WAV, FLAC, WebM audio");
    expect(() => acceptContentType("image/svg+xml")).toThrow(`image/svg+xml is not accepted. Accepted: ${ACCEPTED_MEDIA_TEXT}.`);
    const { readFile } = await import("node:fs/promises");
    const readme = (await readFile(new URL("../../../README.md", import.meta.url), "utf8")).replace(/\s+/g, " ");
    expect(readme).toContain(`Accepted types: ${ACCEPTED_MEDIA_TEXT}`);
  });
});
