import type { Readable } from "node:stream";
import { declaredTypeFits, mediaKindOf } from "@media/core/media-types";
import type { InspectInput, Inspection, MediaInspector } from "@media/core/ports";
import { rangeBlob } from "./range-blob";
import { sniff } from "./sniff";

/**
 * Images are decoded from memory (sharp needs the whole file): bigger ones are refused with a reason
 * rather than risking the indexer's memory on every retry. Audio has no such bound: only its headers are read.
 */
export const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

/**
 * The MediaInspector of the functions: file-type for what the bytes are, sharp for images, music-metadata
 * for audio. The object is read through ranged reads (range-blob.ts) and, for images, one stream.
 *
 * Every file is sniffed, so file-type is loaded with the indexer; the image and audio describers are
 * loaded when the first file of their kind arrives (each a chunk of the bundle): sharp's native library
 * and music-metadata then weigh on no cold start that does not need them, and a batch of images never
 * parses the audio code.
 */
export function createMediaInspector(): MediaInspector {
  return {
    async inspect(input: InspectInput): Promise<Inspection> {
      const blob = rangeBlob(input.size, input.read, { head: input.head });
      let sniffed: Awaited<ReturnType<typeof sniff>>;
      try {
        sniffed = await sniff(blob.asBlob());
      } catch (error) {
        // file-type reads through the blob; a failed read is the storage's problem, anything else the file's.
        if (blob.failure !== undefined) throw blob.failure;
        throw error;
      }
      if (blob.failure !== undefined) throw blob.failure;

      const { contentType, detected } = sniffed;
      if (!contentType) {
        return {
          ok: false,
          reason: detected
            ? `The file's content is ${detected}, which is not an accepted image or audio type.`
            : "The file's content is not a recognised image or audio format.",
        };
      }
      if (!declaredTypeFits(input.declaredType, contentType)) {
        return { ok: false, reason: `The file's content is ${contentType}, not the declared ${input.declaredType}.` };
      }
      const format = contentType.split("/")[1]!;

      if (mediaKindOf(contentType) === "image") {
        if (input.size > MAX_IMAGE_BYTES) {
          return { ok: false, reason: `Images larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MiB are not accepted.` };
        }
        const { describeImage } = await import("./image");
        return describeImage(await readAll(await input.open(), input.size), format);
      }
      const { describeAudio } = await import("./audio");
      return describeAudio(blob, format, { contentType, audioOnly: sniffed.audioOnly ?? false, open: input.open });
    },
  };
}

/** The whole stream in one buffer, never more than `size` bytes (the object's size when inspected). */
async function readAll(stream: Readable, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      const room = size - total;
      chunks.push(b.length > room ? b.subarray(0, room) : b);
      total += Math.min(b.length, room);
      if (total >= size) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, total);
}
