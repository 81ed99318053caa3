import { deflateSync } from "node:zlib";
import { fixture } from "./media-samples";

/**
 * Hostile files built in code, as an attacker would craft them: cover-art bombs, huge metadata blocks,
 * lying headers. Most are hundreds of megabytes, so they are described as segments and produced only for
 * the byte ranges a reader asks for: a test never holds the file, only what the code under test reads.
 */
export type Segment = Buffer | { fill: number; length: number };

export interface LazyFile {
  size: number;
  bytes(start: number, end: number): Buffer;
}

export function lazyFile(segments: Segment[]): LazyFile {
  const parts: Array<{ at: number; segment: Segment; length: number }> = [];
  let size = 0;
  for (const segment of segments) {
    parts.push({ at: size, segment, length: segment.length });
    size += segment.length;
  }
  return {
    size,
    bytes(start, end) {
      end = Math.min(end, size);
      const out = Buffer.alloc(Math.max(0, end - start));
      for (const p of parts) {
        const from = Math.max(start, p.at);
        const to = Math.min(end, p.at + p.length);
        if (from >= to) continue;
        if (Buffer.isBuffer(p.segment)) p.segment.copy(out, from - start, from - p.at, to - p.at);
        else out.fill(p.segment.fill, from - start, to - start);
      }
      return out;
    },
  };
}

/** The whole of a lazy file, for the few that are small enough to hold. */
export function materialise(file: LazyFile): Buffer {
  return file.bytes(0, file.size);
}

const MiB = 1024 * 1024;
/** FLAC's metadata block length is 24 bits: no block can be larger. */
export const FLAC_MAX_BLOCK = 2 ** 24 - 1;

function flacBlockHeader(type: number, length: number, last = false): Buffer {
  const b = Buffer.alloc(4);
  b[0] = (last ? 0x80 : 0) | type;
  b.writeUIntBE(length, 1, 3);
  return b;
}

/** STREAMINFO of 1 s of 44.1 kHz 16-bit stereo. */
function flacStreamInfo(): Buffer {
  const b = Buffer.alloc(34);
  b.writeUInt16BE(4096, 0);
  b.writeUInt16BE(4096, 2);
  // 20 bits sample rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples.
  const sampleRate = 44100;
  const channels = 2;
  const bps = 16;
  const total = 44100;
  b[10] = (sampleRate >> 12) & 0xff;
  b[11] = (sampleRate >> 4) & 0xff;
  b[12] = ((sampleRate & 0x0f) << 4) | ((channels - 1) << 1) | (((bps - 1) >> 4) & 1);
  b[13] = (((bps - 1) & 0x0f) << 4) | 0;
  b.writeUInt32BE(total, 14);
  return b;
}

/** The PICTURE block's fields before its data; `declaredLength` may lie about the data that follows. */
function flacPictureHead(pictureType: number, mime: string, declaredLength: number): Buffer {
  const m = Buffer.from(mime, "latin1");
  const b = Buffer.alloc(4 + 4 + m.length + 4 + 16 + 4);
  let at = b.writeUInt32BE(pictureType, 0);
  at = b.writeUInt32BE(m.length, at);
  at += m.copy(b, at);
  at = b.writeUInt32BE(0, at); // no description
  at += 16; // width, height, depth, colours: 0 = unknown
  b.writeUInt32BE(declaredLength, at);
  return b;
}

function flacPictureBlock(pictureType: number, data: Segment, last = false): Segment[] {
  const head = flacPictureHead(pictureType, "image/png", data.length);
  return [flacBlockHeader(6, head.length + data.length, last), head, data];
}

/** A small, real PNG: the one cover a bomb also carries, so the thumbnail can be checked. */
export function coverPng(width = 48, height = 32): Buffer {
  return pngOf(width, height, () => 0x80);
}

/**
 * A FLAC whose metadata holds a real front cover, then `pictures` PICTURE blocks of almost 16 MiB each
 * (the largest a block can be), then a second of silence: the cover-art bomb of the issue.
 */
export function flacCoverBomb(pictures: number): LazyFile {
  const blocks: Segment[] = [Buffer.from("fLaC"), flacBlockHeader(0, 34), flacStreamInfo()];
  blocks.push(...flacPictureBlock(3, coverPng()));
  const dataLength = FLAC_MAX_BLOCK - flacPictureHead(0, "image/png", 0).length;
  for (let i = 0; i < pictures; i++) blocks.push(...flacPictureBlock(8, { fill: 0x42, length: dataLength }, i === pictures - 1));
  blocks.push({ fill: 0, length: 4096 });
  return lazyFile(blocks);
}

/** A FLAC whose metadata is `blocks` VORBIS_COMMENT blocks of almost 16 MiB, each one huge TITLE. */
export function flacCommentBomb(blocks: number): LazyFile {
  const out: Segment[] = [Buffer.from("fLaC"), flacBlockHeader(0, 34), flacStreamInfo()];
  for (let i = 0; i < blocks; i++) {
    const vendor = Buffer.from("x");
    const head = Buffer.alloc(4 + vendor.length + 4 + 4 + 6);
    let at = head.writeUInt32LE(vendor.length, 0);
    at += vendor.copy(head, at);
    at = head.writeUInt32LE(1, at);
    const valueLength = FLAC_MAX_BLOCK - head.length;
    at = head.writeUInt32LE(6 + valueLength, at);
    head.write("TITLE=", at, "latin1");
    out.push(flacBlockHeader(4, head.length + valueLength, i === blocks - 1), head, { fill: 0x61, length: valueLength });
  }
  out.push({ fill: 0, length: 4096 });
  return lazyFile(out);
}

/** A FLAC whose PICTURE block says its picture is 4 GiB long, in a file of a few kilobytes. */
export function flacLyingPicture(): Buffer {
  const head = flacPictureHead(3, "image/png", 0xffffffff);
  const data = Buffer.alloc(1000, 0x42);
  return Buffer.concat([Buffer.from("fLaC"), flacBlockHeader(0, 34), flacStreamInfo(), flacBlockHeader(6, head.length + data.length, true), head, data, Buffer.alloc(4096)]);
}

/** The committed FLAC fixture cut in the middle of its cover picture. */
export function flacTruncatedInCover(): Buffer {
  const flac = fixture("tone.flac");
  const png = flac.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
  if (png < 0) throw new Error("fixture has no JPEG cover");
  return flac.subarray(0, png + 100);
}

function synchsafe(n: number): Buffer {
  return Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
}

/** An ID3v2.3 tag holding one frame of `id` whose body is `head` then `fill` bytes. */
function id3Tag(id: string, head: Buffer, fillLength: number, fill = 0x42): Segment[] {
  const frameLength = head.length + fillLength;
  const frame = Buffer.alloc(10);
  frame.write(id, 0, "latin1");
  frame.writeUInt32BE(frameLength, 4);
  return [Buffer.concat([Buffer.from("ID3\x03\x00\x00", "latin1"), synchsafe(10 + frameLength), frame, head]), { fill, length: fillLength }];
}

/** ID3v2 sizes are 28 bits. */
const ID3_MAX_TAG = 2 ** 28 - 1 - 20;

/**
 * An MP3 behind `tags` consecutive ID3v2 tags, each one APIC picture of `pictureBytes` (ID3 allows up
 * to 256 MiB a tag, and any number of tags in a row), then the real MP3 fixture with its own cover.
 */
export function mp3CoverBomb(tags: number, pictureBytes = 64 * MiB): LazyFile {
  const apicHead = Buffer.concat([Buffer.from([0]), Buffer.from("image/png\0", "latin1"), Buffer.from([3]), Buffer.from("\0", "latin1")]);
  const out: Segment[] = [];
  for (let i = 0; i < tags; i++) out.push(...id3Tag("APIC", apicHead, Math.min(pictureBytes, ID3_MAX_TAG)));
  out.push(fixture("tone.mp3"));
  return lazyFile(out);
}

/** An MP3 behind `tags` ID3v2 tags of one enormous TXXX text each: huge metadata, no picture at all. */
export function mp3TextBomb(tags: number, textBytes = 64 * MiB): LazyFile {
  const txxxHead = Buffer.from("\0note\0", "latin1");
  const out: Segment[] = [];
  for (let i = 0; i < tags; i++) out.push(...id3Tag("TXXX", txxxHead, Math.min(textBytes, ID3_MAX_TAG), 0x61));
  out.push(fixture("tone.mp3"));
  return lazyFile(out);
}

/**
 * The M4A fixture with `pictures` extra `data` atoms of `pictureBytes` each in its `covr` item: the
 * MP4 form of a cover-art bomb. The atoms on the path moov/udta/meta/ilst/covr grow to hold them.
 * (music-metadata itself refuses an atom over 64 MiB, so the bomb is many atoms below that.)
 */
export function m4aCoverBomb(pictures: number, pictureBytes = 24 * MiB): LazyFile {
  const m4a = fixture("tone.m4a");
  const path = ["moov", "udta", "meta", "ilst", "covr"];
  const found = findAtomPath(m4a, path);
  const covr = found.at(-1)!;
  const extra = pictures * (16 + pictureBytes);
  const head = Buffer.from(m4a.subarray(0, covr.end));
  for (const atom of found) head.writeUInt32BE(atom.size + extra, atom.start);
  const out: Segment[] = [head];
  for (let i = 0; i < pictures; i++) {
    const data = Buffer.alloc(16);
    data.writeUInt32BE(16 + pictureBytes, 0);
    data.write("data", 4, "latin1");
    data.writeUInt32BE(14, 8); // well-known type 14: PNG
    out.push(data, { fill: 0x42, length: pictureBytes });
  }
  out.push(m4a.subarray(covr.end));
  return lazyFile(out);
}

/** The atoms named by `path`, each inside the one before (meta is a full box: 4 bytes before its children). */
function findAtomPath(file: Buffer, path: string[]): Array<{ start: number; size: number; end: number }> {
  const out: Array<{ start: number; size: number; end: number }> = [];
  let from = 0;
  let to = file.length;
  for (const name of path) {
    let at = from;
    let hit: { start: number; size: number; end: number } | undefined;
    while (at + 8 <= to) {
      const size = file.readUInt32BE(at);
      const type = file.subarray(at + 4, at + 8).toString("latin1");
      if (size < 8) break;
      if (type === name) {
        hit = { start: at, size, end: at + size };
        break;
      }
      at += size;
    }
    if (!hit) throw new Error(`fixture has no ${path.join("/")}`);
    out.push(hit);
    from = hit.start + 8 + (name === "meta" ? 4 : 0);
    to = hit.end;
  }
  return out;
}

/** A real PNG of `width`×`height` greyscale pixels (value by row), compressed: a large canvas in a small file. */
export function pngOf(width: number, height: number, row: (y: number) => number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.fill(row(y), y * (width + 1) + 1, (y + 1) * (width + 1));
  return pngFile(width, height, 0, deflateSync(raw, { level: 9 }));
}

function pngFile(width: number, height: number, colourType: number, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), pngChunk("IDAT", idat), pngChunk("IEND", Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A GIF of a few dozen bytes whose screen and only frame are `width`×`height`, with an empty picture:
 * a decoder holds the whole frame (four bytes a pixel) before it finds there is nothing in it.
 */
export function gifBomb(width: number, height: number): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen[4] = 0x80; // a global colour table of 2 entries
  const frame = Buffer.alloc(10);
  frame[0] = 0x2c;
  frame.writeUInt16LE(width, 5);
  frame.writeUInt16LE(height, 7);
  // LZW with 2-bit codes: a clear code (4) then the end code (5), packed in 3-bit codes.
  const pixels = Buffer.from([0x02, 0x01, 0x2c, 0x00]);
  return Buffer.concat([Buffer.from("GIF89a", "latin1"), screen, Buffer.from([0, 0, 0, 255, 255, 255]), frame, pixels, Buffer.from([0x3b])]);
}
