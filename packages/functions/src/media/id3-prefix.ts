import { readBytes } from "./range-blob";

/** More ID3v2 tags in a row than this is not a file any tagger wrote; the walk stops there. */
const MAX_TAGS = 256;

/**
 * How many bytes of ID3v2 tags come before the audio (MP3, ADTS AAC and some FLACs carry them there, any
 * number in a row). Only the 10-byte tag headers are read. music-metadata reads each tag whole, cover
 * included, before the first audio frame: knowing where the tags end lets a file whose tags are over
 * budget still be described from its audio, and the frame count skip them.
 */
export async function id3v2PrefixLength(blob: Blob): Promise<number> {
  let at = 0;
  for (let i = 0; i < MAX_TAGS; i++) {
    const header = await readBytes(blob, at, 10);
    if (header.length < 10 || header.toString("latin1", 0, 3) !== "ID3") break;
    // Sizes are "synchsafe": 7 bits a byte, so no byte of the header looks like an MPEG frame sync.
    const size = (header[6]! & 0x7f) * 2 ** 21 + (header[7]! & 0x7f) * 2 ** 14 + (header[8]! & 0x7f) * 2 ** 7 + (header[9]! & 0x7f);
    const footer = header[5]! & 0x10 ? 10 : 0;
    at += 10 + size + footer;
  }
  return Math.min(at, blob.size);
}
