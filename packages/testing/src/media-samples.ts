import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import sharp, { type Sharp } from "sharp";
import { wavHeader } from "./minimal-media";

/**
 * Media samples for inspection and renditions: images made here with sharp itself, audio and HEIC from
 * small files made with real encoders (fixtures/media/make-fixtures.sh in this package: sox, ffmpeg,
 * heif-enc) or, for WAV, written here; and what is not media (executables, HTML) dressed as it.
 */
const FIXTURES = new URL("../fixtures/media/", import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

/** A 400×200 JPEG stored sideways (EXIF orientation 6), with camera, date and a GPS position. */
export async function cameraJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 400, height: 200, channels: 3, background: "#c84" } })
    .jpeg({ quality: 80 })
    .withExif({
      IFD0: { Make: "Canon", Model: "Canon EOS 5D Mark IV" },
      IFD2: { DateTimeOriginal: "2024:05:17 14:03:09", OffsetTimeOriginal: "+02:00" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 24/1", GPSLongitudeRef: "E", GPSLongitude: "2/1 21/1 3/1" },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function solid(width: number, height: number, background = "#3a7"): Sharp {
  return sharp({ create: { width, height, channels: 3, background } });
}

export async function png(width = 64, height = 48): Promise<Buffer> {
  return solid(width, height).png().toBuffer();
}

export async function avif(width = 64, height = 48): Promise<Buffer> {
  return solid(width, height).avif({ quality: 50 }).toBuffer();
}

/** A two-frame animation (GIF or WebP) of 60×40. */
export async function animated(format: "gif" | "webp"): Promise<Buffer> {
  const frames = await Promise.all(["#f00", "#00f"].map((c) => solid(60, 40, c).png().toBuffer()));
  const joined = sharp(frames, { join: { animated: true } });
  return (format === "gif" ? joined.gif() : joined.webp()).toBuffer();
}

/** A 16-bit PCM WAV of `seconds` of a 440 Hz tone. */
export function wav(seconds = 1, sampleRate = 22050, channels = 1): Buffer {
  const frames = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(frames * 2 * channels);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / sampleRate) * 12000);
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  return Buffer.concat([wavHeader(data.length, sampleRate, channels), data]);
}

export { wavHeader };

/** A PNG whose header announces `width`×`height` pixels but whose body is a few bytes: a decompression bomb's shape. */
export function hugePngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, "ascii"), data])));
    return Buffer.concat([len, Buffer.from(type, "ascii"), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0; // greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(1024))), chunk("IEND", Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The first bytes of a Linux executable (ELF) and of a Windows one (MZ/PE), padded out. */
export function elfExecutable(): Buffer {
  const b = Buffer.alloc(4096);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(b);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  return b;
}

export function windowsExecutable(): Buffer {
  const b = Buffer.alloc(4096);
  b.write("MZ", 0, "ascii");
  b.writeUInt32LE(0x80, 0x3c);
  b.write("PE\0\0", 0x80, "latin1");
  return b;
}

export const html = Buffer.from("<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n".repeat(20));
