import { Semaphore } from "async-mutex";
import type { Metadata } from "sharp";

const MiB = 1024 * 1024;

/**
 * Memory for decoding pictures, shared by every thumbnail the process makes at once (the indexer handles
 * several records at a time): a decode waits until its estimated cost is free, and a picture whose cost
 * alone is over it gets no thumbnail. With the originals held in memory (at most MAX_IMAGE_BYTES each),
 * this keeps the indexer's peak to a fixed figure inside its 1,536 MB whatever the batch holds.
 */
export const DECODE_MEMORY_BYTES = 512 * MiB;

/**
 * What decoding costs, in bytes per pixel of the picture, for decoders that hold the whole frame (or
 * more) in memory. Measured as the rise of resident memory of a process making one thumbnail
 * (test/memory): a 100 MP GIF rose 456 MiB, a progressive JPEG 292 MiB, an interlaced PNG 319 MiB, a
 * 12 MP AVIF 217 MiB (36 MP: 604 MiB). Rounded up.
 */
const BYTES_PER_PIXEL = { gif: 5, progressiveJpeg: 3.5, interlacedPng: 3.5, av1: 19, hevc: 13 } as const;
/**
 * Baseline JPEG (shrunk while decoding), PNG and WebP are decoded a few lines at a time: a 100 MP
 * picture of either rose less than 20 MiB.
 */
const STREAMED_COST = 32 * MiB;

/** The estimated memory for decoding the first frame of the picture `info` describes. */
export function decodeCost(info: Pick<Metadata, "format" | "width" | "height" | "isProgressive" | "compression">): number {
  const pixels = (info.width ?? 0) * (info.height ?? 0);
  const perPixel = (() => {
    switch (info.format) {
      case "gif":
        return BYTES_PER_PIXEL.gif;
      case "jpeg":
        return info.isProgressive ? BYTES_PER_PIXEL.progressiveJpeg : 0;
      case "png":
        return info.isProgressive ? BYTES_PER_PIXEL.interlacedPng : 0;
      case "heif":
        return info.compression === "hevc" ? BYTES_PER_PIXEL.hevc : BYTES_PER_PIXEL.av1;
      case "webp":
        return 0;
      default:
        // A format we did not measure is assumed to hold its frame, as the costliest we did.
        return BYTES_PER_PIXEL.av1;
    }
  })();
  return Math.max(STREAMED_COST, Math.ceil(pixels * perPixel));
}

const decoding = new Semaphore(DECODE_MEMORY_BYTES / MiB);

/**
 * Runs `decode` once `cost` bytes of the decoding memory are free. Undefined, without running it, when
 * the cost alone is more than all of it: that picture is described without a thumbnail.
 */
export async function withDecodeMemory<T>(cost: number, decode: () => Promise<T>): Promise<T | undefined> {
  if (cost > DECODE_MEMORY_BYTES) return undefined;
  return decoding.runExclusive(decode, Math.max(1, Math.ceil(cost / MiB)));
}
