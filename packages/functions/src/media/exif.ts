/**
 * The few EXIF facts we keep: when the picture was taken and with what camera. sharp hands us the raw
 * EXIF block (a TIFF structure, usually after an `Exif\0\0` marker); this reads just those tags, with
 * every offset bounds-checked, since the block is as untrusted as the rest of the upload. GPS tags are
 * never read, and the thumbnail is written without any metadata at all.
 */
export interface ExifFacts {
  /** ISO 8601; with the recorded UTC offset when there is one, else a local time without a zone. */
  takenAt?: string;
  cameraMake?: string;
  cameraModel?: string;
}

const TAG = {
  make: 0x010f,
  model: 0x0110,
  dateTime: 0x0132,
  exifIfd: 0x8769,
  dateTimeOriginal: 0x9003,
  dateTimeDigitized: 0x9004,
  offsetTimeOriginal: 0x9011,
} as const;

const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const MAX_ENTRIES = 512;
const MAX_TEXT = 64;
/**
 * The part of an EXIF block that is read: a JPEG's EXIF segment cannot be larger, so every camera's
 * facts are within it; a PNG or HEIF may carry a larger block, whose offsets past this point are not
 * followed (the work and the memory of this parser stay the same whatever the block's size).
 */
export const MAX_EXIF_BYTES = 64 * 1024;

export function readExif(block: Buffer | undefined): ExifFacts {
  if (!block || block.length < 8) return {};
  const tiff = (block.subarray(0, 6).toString("latin1") === "Exif\0\0" ? block.subarray(6) : block).subarray(0, MAX_EXIF_BYTES);
  try {
    return parseTiff(tiff);
  } catch {
    return {}; // a malformed block describes nothing; the image itself may still be fine
  }
}

function parseTiff(tiff: Buffer): ExifFacts {
  const order = tiff.subarray(0, 2).toString("latin1");
  if (order !== "II" && order !== "MM") return {};
  const le = order === "II";
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return {};

  /** The entries of the IFD at `offset`: tag → where its value is, with its type and count. */
  function ifd(offset: number): Map<number, { type: number; count: number; at: number }> {
    const entries = new Map<number, { type: number; count: number; at: number }>();
    if (offset < 8 || offset + 2 > tiff.length) return entries;
    const n = Math.min(u16(offset), MAX_ENTRIES);
    for (let i = 0; i < n; i++) {
      const e = offset + 2 + i * 12;
      if (e + 12 > tiff.length) break;
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = count * (type === SHORT ? 2 : type === LONG ? 4 : 1);
      // Values of up to four bytes sit in the entry itself; longer ones at an offset from the TIFF start.
      entries.set(u16(e), { type, count, at: size <= 4 ? e + 8 : u32(e + 8) });
    }
    return entries;
  }

  function text(entries: ReturnType<typeof ifd>, tag: number): string | undefined {
    const entry = entries.get(tag);
    if (!entry || entry.type !== ASCII || entry.at + entry.count > tiff.length) return undefined;
    const raw = tiff.subarray(entry.at, entry.at + Math.min(entry.count, 256)).toString("latin1");
    const cleaned = raw.split("\0", 1)[0]!.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
    return cleaned ? cleaned.slice(0, MAX_TEXT) : undefined;
  }

  const ifd0 = ifd(u32(4));
  const pointer = ifd0.get(TAG.exifIfd);
  const exif = pointer && (pointer.type === LONG || pointer.type === SHORT) ? ifd(pointer.type === LONG ? u32(pointer.at) : u16(pointer.at)) : new Map();

  const facts: ExifFacts = {};
  const make = text(ifd0, TAG.make);
  const model = text(ifd0, TAG.model);
  if (make) facts.cameraMake = make;
  if (model) facts.cameraModel = model;
  const when = exifDate(text(exif, TAG.dateTimeOriginal) ?? text(exif, TAG.dateTimeDigitized) ?? text(ifd0, TAG.dateTime), text(exif, TAG.offsetTimeOriginal));
  if (when) facts.takenAt = when;
  return facts;
}

/** `2024:05:17 14:03:09` (+ `+02:00`) → `2024-05-17T14:03:09+02:00`; undefined for blanks and nonsense. */
export function exifDate(value: string | undefined, offset?: string): string | undefined {
  const m = value?.match(/^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const local = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  const zone = offset?.match(/^[+-]\d{2}:\d{2}$/) ? offset : undefined;
  return zone ? `${local}${zone}` : local;
}
