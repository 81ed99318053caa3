import { readBytes } from "./range-blob";

export interface Picture {
  format: string;
  data: Buffer;
}

/** FLAC metadata blocks walked before giving up; a real file has a handful. */
const MAX_BLOCKS = 4096;
const PICTURE = 6;
const FRONT_COVER = 3;

/**
 * The front cover of a FLAC (else its first picture), read from its PICTURE block alone: the walk reads
 * only the 4-byte header of each metadata block and the fields before each picture's data, then the one
 * chosen picture if it is at most `maxBytes`. Other pictures (booklet scans, or a bomb of them) are never
 * read. Resolves "none" when the file has no PICTURE block (its cover may then sit in a Vorbis comment),
 * undefined when the chosen picture is too large or its fields lie.
 */
export async function flacCover(blob: Blob, maxBytes: number): Promise<Picture | "none" | undefined> {
  if ((await readBytes(blob, 0, 4)).toString("latin1") !== "fLaC") return "none";
  const blocks: Array<{ at: number; length: number }> = [];
  let at = 4;
  for (let i = 0; i < MAX_BLOCKS && at + 4 <= blob.size; i++) {
    const header = await readBytes(blob, at, 4);
    const length = header.readUIntBE(1, 3);
    if ((header[0]! & 0x7f) === PICTURE) blocks.push({ at: at + 4, length });
    at += 4 + length;
    if (header[0]! & 0x80) break; // the last metadata block
  }
  if (blocks.length === 0) return "none";

  let chosen: { type: number; format: string; dataAt: number; dataLength: number } | undefined;
  for (const block of blocks) {
    const fields = await pictureFields(blob, block.at, block.length);
    if (!fields) continue;
    if (!chosen || (fields.type === FRONT_COVER && chosen.type !== FRONT_COVER)) chosen = fields;
    if (chosen.type === FRONT_COVER) break;
  }
  if (!chosen || chosen.dataLength > maxBytes) return undefined;
  return { format: chosen.format, data: await readBytes(blob, chosen.dataAt, chosen.dataLength) };
}

/** A PICTURE block's type, MIME type and where its data is; undefined if a length points outside the block. */
async function pictureFields(blob: Blob, at: number, length: number) {
  const end = at + length;
  const head = await readBytes(blob, at, 8);
  if (head.length < 8) return undefined;
  const type = head.readUInt32BE(0);
  const mimeLength = head.readUInt32BE(4);
  if (mimeLength > 256 || at + 8 + mimeLength + 4 > end) return undefined;
  const mime = await readBytes(blob, at + 8, mimeLength + 4);
  const descriptionLength = mime.readUInt32BE(mimeLength);
  const sizesAt = at + 8 + mimeLength + 4 + descriptionLength;
  // width, height, colour depth, colours used, then the data's length.
  if (sizesAt + 20 > end) return undefined;
  const dataLength = (await readBytes(blob, sizesAt + 16, 4)).readUInt32BE(0);
  const dataAt = sizesAt + 20;
  if (dataAt + dataLength > Math.min(end, blob.size)) return undefined;
  return { type, format: mime.toString("latin1", 0, mimeLength), dataAt, dataLength };
}
