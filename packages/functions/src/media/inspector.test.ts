import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Inspection } from "@media/core/ports";
import { inspectInput } from "@media/testing/inspect-input";
import { animated, avif, cameraJpeg, elfExecutable, fixture, hugePngHeader, html, png, solid, wav, wavHeader, windowsExecutable } from "@media/testing/media-samples";
import { createMediaInspector } from "./inspector";

const inspector = createMediaInspector();
const inspect = (bytes: Buffer, declaredType: string) => inspector.inspect(inspectInput(bytes, declaredType).input);

function ok(result: Inspection) {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result;
}
function refused(result: Inspection): string {
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.metadata)}`);
  return result.reason;
}

describe("images", () => {
  it("describes a camera JPEG as displayed, with EXIF date and camera, and a thumbnail turned upright without any metadata", async () => {
    const result = ok(await inspect(await cameraJpeg(), "image/jpeg"));
    expect(result.metadata).toEqual({
      format: "jpeg",
      width: 200,
      height: 400,
      orientation: 6,
      takenAt: "2024-05-17T14:03:09+02:00",
      cameraMake: "Canon",
      cameraModel: "Canon EOS 5D Mark IV",
    });
    expect(result.thumbnail?.contentType).toBe("image/webp");
    const thumb = await sharp(result.thumbnail!.bytes).metadata();
    expect(thumb).toMatchObject({ format: "webp", width: 160, height: 320 });
    // Stripped: no EXIF (so no GPS), no XMP, no ICC profile, upright pixels need no orientation tag.
    expect(thumb.exif).toBeUndefined();
    expect(thumb.xmp).toBeUndefined();
    expect(thumb.orientation).toBeUndefined();
    expect(result.thumbnail!.bytes.includes(Buffer.from("GPS"))).toBe(false);
  });

  it("describes PNG, AVIF and the first frame of animated GIF and WebP; thumbnails never enlarge and never exceed 320 px", async () => {
    const big = ok(await inspect(await solid(1000, 500).png().toBuffer(), "image/png"));
    expect(big.metadata).toEqual({ format: "png", width: 1000, height: 500 });
    expect(await sharp(big.thumbnail!.bytes).metadata()).toMatchObject({ width: 320, height: 160 });

    const small = ok(await inspect(await png(64, 48), "image/png"));
    expect(small.metadata).toEqual({ format: "png", width: 64, height: 48 });
    expect(await sharp(small.thumbnail!.bytes).metadata()).toMatchObject({ width: 64, height: 48 });

    const av = ok(await inspect(await avif(64, 48), "image/avif"));
    expect(av.metadata).toEqual({ format: "avif", width: 64, height: 48 });

    for (const format of ["gif", "webp"] as const) {
      const bytes = await animated(format);
      expect((await sharp(bytes).metadata()).pages).toBe(2);
      const result = ok(await inspect(bytes, `image/${format}`));
      expect(result.metadata).toEqual({ format, width: 60, height: 40 });
      const thumb = await sharp(result.thumbnail!.bytes, { pages: -1 }).metadata();
      expect(thumb, format).toMatchObject({ format: "webp", width: 60, height: 40 });
      expect(thumb.pages ?? 1, format).toBe(1);
      // The first frame is red.
      const { data } = await sharp(result.thumbnail!.bytes).raw().toBuffer({ resolveWithObject: true });
      expect(data[0]).toBeGreaterThan(200);
      expect(data[2]).toBeLessThan(50);
    }
  });

  it("describes a HEIC (HEVC) from its container and makes its thumbnail with libheif (the prebuilt libvips has no HEVC decoder)", async () => {
    const result = ok(await inspect(fixture("still.heic"), "image/heic"));
    expect(result.metadata).toEqual({ format: "heic", width: 96, height: 64 });
    expect(result.thumbnail?.contentType).toBe("image/webp");
    const thumb = await sharp(result.thumbnail!.bytes).metadata();
    expect(thumb).toMatchObject({ format: "webp", width: 96, height: 64 });
    expect(thumb.exif).toBeUndefined();
    // The same picture as libheif's own command-line decoder made of it (make-fixtures.sh), within what
    // WebP's lossy coding changes: ffmpeg's test pattern, not a blank, shifted or garbled frame.
    const decoded = await sharp(result.thumbnail!.bytes).removeAlpha().raw().toBuffer();
    const reference = await sharp(fixture("still.heic.png")).removeAlpha().raw().toBuffer();
    expect(decoded.length).toBe(reference.length);
    let difference = 0;
    for (let i = 0; i < decoded.length; i++) difference += Math.abs(decoded[i]! - reference[i]!);
    // (Measured: about 8 per channel value after WebP at quality 80; the mirrored picture is about 220 away.)
    expect(difference / decoded.length).toBeLessThan(20);
    const stats = await sharp(fixture("still.heic.png")).stats();
    expect(stats.channels.every((c) => c.stdev > 20)).toBe(true);
    // HEIF is the same container: either name is accepted.
    expect(ok(await inspect(fixture("still.heic"), "image/heif")).metadata.width).toBe(96);
  });

  it("describes a HEIC larger than the decoding bound without a thumbnail", async () => {
    const { MAX_HEIC_DECODE_PIXELS } = await import("./image");
    const bigger = withHeicSize(fixture("still.heic"), 10_000, 6_000);
    expect(10_000 * 6_000).toBeGreaterThan(MAX_HEIC_DECODE_PIXELS);
    const result = ok(await inspect(bigger, "image/heic"));
    expect(result.metadata).toMatchObject({ format: "heic", width: 10_000, height: 6_000 });
    expect(result.thumbnail).toBeUndefined();
  });

  it("refuses a HEIC whose coded picture is cut short", async () => {
    const heic = fixture("still.heic");
    expect(refused(await inspect(heic.subarray(0, heic.length - 300), "image/heic"))).toBe("The image is damaged or incomplete and could not be read.");
  });

  it("refuses corrupt images: a JPEG cut short, a PNG whose body is garbage", async () => {
    const jpeg = await solid(300, 200).jpeg().toBuffer();
    expect(refused(await inspect(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), "image/jpeg"))).toBe("The image is damaged or incomplete and could not be read.");
    const good = await png(300, 200);
    const broken = Buffer.concat([good.subarray(0, 40), Buffer.alloc(good.length - 40, 0x55)]);
    expect(refused(await inspect(broken, "image/png"))).toMatch(/damaged/);
  });

  it("refuses a decompression bomb before decoding it", async () => {
    const bomb = hugePngHeader(20_000, 20_000);
    expect(bomb.length).toBeLessThan(2_000);
    expect(refused(await inspect(bomb, "image/png"))).toBe("The image is larger than 100 megapixels, the most that is accepted.");
  });
});

describe("audio", () => {
  const tags = { title: "Test Tone", artist: "Fixture Band", album: "Fixtures" };

  it("describes every allowed audio type from real encoders' files", async () => {
    const cases: Array<[string, string, Record<string, unknown>, boolean]> = [
      ["tone.mp3", "audio/mpeg", { format: "mpeg", sampleRate: 22050, channels: 1, bitrate: 32000, codec: "MPEG 2 Layer 3", ...tags }, true],
      ["tone.m4a", "audio/x-m4a", { format: "mp4", sampleRate: 22050, codec: "MPEG-4/AAC", ...tags }, true],
      ["tone.m4a", "audio/aac", { format: "mp4" }, true],
      ["tone.aac", "audio/aac", { format: "aac", sampleRate: 22050, channels: 1, codec: "AAC" }, false],
      ["tone.flac", "audio/flac", { format: "flac", sampleRate: 22050, channels: 1, codec: "FLAC", durationSeconds: 1, ...tags }, true],
      ["tone.ogg", "audio/ogg", { format: "ogg", sampleRate: 22050, channels: 1, codec: "Vorbis I", durationSeconds: 1, ...tags }, false],
      ["tone.opus", "audio/opus", { format: "opus", channels: 1, codec: "Opus", durationSeconds: 1, ...tags }, false],
      ["tone.opus", "audio/ogg", { format: "opus" }, false],
      ["tone.webm", "audio/webm", { format: "webm", channels: 1, codec: "OPUS", title: "Test Tone", artist: "Fixture Band" }, false],
    ];
    for (const [file, declared, expected, cover] of cases) {
      const result = ok(await inspect(fixture(file), declared));
      expect(result.metadata, `${file} as ${declared}`).toMatchObject(expected);
      expect(result.metadata.durationSeconds, file).toBeGreaterThan(0.9);
      expect(result.metadata.durationSeconds, file).toBeLessThan(1.2);
      expect(result.thumbnail !== undefined, `${file} cover`).toBe(cover);
      if (cover) expect(await sharp(result.thumbnail!.bytes).metadata(), file).toMatchObject({ format: "webp", width: 48, height: 32 });
    }
  });

  it("describes a WAV written here: duration, sample rate, channels, PCM", async () => {
    const result = ok(await inspect(wav(1.5, 22050, 2), "audio/wav"));
    expect(result.metadata).toEqual({ format: "wav", durationSeconds: 1.5, sampleRate: 22050, channels: 2, bitrate: 22050 * 2 * 16, codec: "PCM" });
    expect(ok(await inspect(wav(0.2, 8000), "audio/x-wav")).metadata).toMatchObject({ durationSeconds: 0.2, sampleRate: 8000 });
  });

  it("describes a 1 GiB WAV from a few kilobytes of ranged reads, never opening the whole object", async () => {
    const dataBytes = 1024 ** 3 - 44;
    const header = wavHeader(dataBytes, 48000, 2);
    const source = {
      size: 44 + dataBytes,
      // Silence after the header, produced only for the ranges asked for.
      bytes: (start: number, end: number) => Buffer.concat([header.subarray(Math.min(start, 44), Math.min(end, 44)), Buffer.alloc(Math.max(0, end - Math.max(start, 44)))]),
    };
    const { input, stats } = inspectInput(source, "audio/wav", 64 * 1024);
    const result = ok(await inspector.inspect(input));
    expect(result.metadata).toMatchObject({ format: "wav", sampleRate: 48000, channels: 2, codec: "PCM" });
    expect(result.metadata.durationSeconds).toBeCloseTo(dataBytes / (48000 * 4), 2);
    expect(stats.opened).toBe(0);
    expect(stats.bytes).toBeLessThan(256 * 1024);
  });

  it("refuses a WebM that holds video, Vorbis declared as Opus, and an ID3 tag followed by anything but MPEG audio", async () => {
    expect(refused(await inspect(fixture("video.webm"), "audio/webm"))).toBe("The file holds video, not only audio.");
    expect(refused(await inspect(fixture("tone.ogg"), "audio/opus"))).toBe("The file's content is audio/ogg, not the declared audio/opus.");
    const id3 = Buffer.concat([Buffer.from("ID3\x03\x00\x00\x00\x00\x00\x0a", "latin1"), Buffer.alloc(10), elfExecutable()]);
    expect(refused(await inspect(id3, "audio/mpeg"))).toMatch(/^The file's content is/);
  });

  it("counts the frames of an ADTS stream behind an ID3 tag from after the tag", async () => {
    const title = Buffer.concat([Buffer.from([3]), Buffer.from("Tagged", "utf8")]);
    const frame = Buffer.alloc(10);
    frame.write("TIT2", 0, "latin1");
    frame.writeUInt32BE(title.length, 4);
    const padding = Buffer.alloc(300_000); // padding after the frames, as taggers leave room to grow
    const size = frame.length + title.length + padding.length;
    const synchsafe = Buffer.from([(size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f]);
    const tagged = Buffer.concat([Buffer.from("ID3\x03\x00\x00", "latin1"), synchsafe, frame, title, padding, fixture("tone.aac")]);
    const result = ok(await inspect(tagged, "audio/aac"));
    expect(result.metadata).toMatchObject({ format: "aac", sampleRate: 22050, channels: 1, codec: "AAC", title: "Tagged" });
    expect(result.metadata.durationSeconds).toBeGreaterThan(0.9);
    expect(result.metadata.durationSeconds).toBeLessThan(1.2);
  });

  it("keeps a file whose cover picture is broken, without a thumbnail", async () => {
    const mp3 = fixture("tone.mp3");
    // Corrupt the JPEG inside the ID3 APIC frame (after its SOI marker), leaving the audio intact.
    const soi = mp3.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
    const broken = Buffer.from(mp3);
    broken.fill(0x00, soi + 3, soi + 200);
    const result = ok(await inspect(broken, "audio/mpeg"));
    expect(result.metadata.title).toBe("Test Tone");
    expect(result.thumbnail).toBeUndefined();
  });
});

describe("disguises", () => {
  it("refuses executables, HTML and a PNG under another image type, naming what the content really is", async () => {
    expect(refused(await inspect(elfExecutable(), "image/png"))).toBe("The file's content is application/x-elf, which is not an accepted image or audio type.");
    expect(refused(await inspect(windowsExecutable(), "image/png"))).toBe("The file's content is application/x-msdownload, which is not an accepted image or audio type.");
    expect(refused(await inspect(html, "image/jpeg"))).toBe("The file's content is not a recognised image or audio format.");
    expect(refused(await inspect(await png(), "image/jpeg"))).toBe("The file's content is image/png, not the declared image/jpeg.");
    expect(refused(await inspect(fixture("tone.mp3"), "image/png"))).toBe("The file's content is audio/mpeg, not the declared image/png.");
    expect(refused(await inspect(await png(), "audio/mpeg"))).toBe("The file's content is image/png, not the declared audio/mpeg.");
    // An SVG is a document that can carry script: never an accepted image, whatever it is declared as.
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expect(refused(await inspect(svg, "image/png"))).toMatch(/^The file's content is/);
  });
});

describe("failures that are not the file's", () => {
  it("throws (to be retried) when reading the object fails, for images and audio alike", async () => {
    for (const [bytes, type] of [[fixture("tone.flac"), "audio/flac"], [wav(1), "audio/wav"]] as const) {
      const { input } = inspectInput(bytes, type, 16);
      input.read = async () => {
        throw new Error("socket hang up");
      };
      await expect(inspector.inspect(input), type).rejects.toThrow("socket hang up");
    }
    const { input } = inspectInput(await solid(300, 300).png({ compressionLevel: 0 }).toBuffer(), "image/png");
    input.open = async () => {
      throw new Error("connection reset");
    };
    await expect(inspector.inspect(input)).rejects.toThrow("connection reset");
  });
});

/** The HEIC with the size its `ispe` box declares changed: what the container says, not what is coded. */
function withHeicSize(heic: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(heic);
  const at = copy.indexOf("ispe");
  if (at < 0) throw new Error("fixture has no ispe box");
  // ispe: 4-byte type, 4-byte version+flags, then width and height as 32-bit big-endian.
  copy.writeUInt32BE(width, at + 8);
  copy.writeUInt32BE(height, at + 12);
  return copy;
}
