import sharp, { type Metadata, type SharpOptions } from "sharp";
import type { MediaMetadata } from "@media/core/media-record";
import type { Thumbnail } from "@media/core/ports";
import { log } from "../log";
import { decodeCost, withDecodeMemory } from "./decode-budget";
import { readExif } from "./exif";
import { HeicDecodeTimeout, heicDecoder, type HeicDecode } from "./heic-decoder";

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_MAX_SIDE = 320;
/**
 * Decompression-bomb guard: the most pixels (width × height of one frame) we agree to decode. A small file
 * can declare an enormous canvas; libvips refuses it before allocating. 100 MP is beyond any phone camera's
 * default output and keeps one decoded frame well inside the indexer's memory.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;
/**
 * The most pixels of a HEIC we decode for a thumbnail. libheif (as WebAssembly, heic-decode) decodes the
 * whole picture into its heap (YCbCr planes, then RGBA) and copies the RGBA out, and the WebAssembly heap
 * keeps its high-water mark for the life of the process. Measured (a whole process describing one
 * noisy HEIC): 12 MP peaked at 269 MB RSS in 3.9 s, 24 MP at 424 MB in 8.0 s, on a loaded 2-core
 * machine. 25 MP (a 24 MP camera; the default HEIC size of 48 MP phone sensors) stays well inside the
 * indexer's 1.5 GB and 60 s even beside the other files of its batch; larger HEICs are described
 * without a thumbnail.
 */
export const MAX_HEIC_DECODE_PIXELS = 25_000_000;

/**
 * Wall-clock seconds a decoder may spend on one thumbnail (sharp's own timeout, which stops libvips; for
 * HEIC, the decoder's thread is stopped); a picture that takes longer is described without one. (A 12 MP
 * AVIF took 9.5 s here on a loaded machine, a 24 MP HEIC 8 s.)
 */
export const THUMBNAIL_SECONDS = 20;

// Every file is seen once: libvips' operation cache would only hold on to memory between files.
sharp.cache(false);

export const INPUT: SharpOptions = {
  limitInputPixels: MAX_IMAGE_PIXELS,
  // Abort on truncated or corrupt pixel data ("error" includes "truncated") rather than decoding a grey
  // remainder; libvips' mere warnings (common in camera files) are tolerated.
  failOn: "error",
  // Only the first frame of an animated GIF/WebP/AVIF: the thumbnail is a still, and frames cost memory.
  pages: 1,
};

export type ImageDescription = { ok: true; metadata: MediaMetadata; thumbnail?: Thumbnail } | { ok: false; reason: string };

/**
 * Describes an image and makes its thumbnail. A decoding failure is a property of the bytes (the input is
 * already in memory), so it is answered as a refusal, not thrown: a corrupt image must not be retried.
 * Only running out of memory is thrown (retried, then dead-lettered), since that is not the file's fault.
 */
export async function describeImage(bytes: Buffer, format: string): Promise<ImageDescription> {
  let info: Metadata;
  try {
    info = await sharp(bytes, INPUT).metadata();
  } catch (error) {
    return { ok: false, reason: refusal(error) };
  }
  const orientation = info.orientation && info.orientation >= 1 && info.orientation <= 8 ? info.orientation : undefined;
  // As displayed: EXIF orientations 5-8 turn the picture a quarter, swapping its sides.
  const turned = orientation !== undefined && orientation >= 5;
  const metadata: MediaMetadata = { format };
  if (info.width && info.height) {
    metadata.width = turned ? info.height : info.width;
    metadata.height = turned ? info.width : info.height;
  }
  if (orientation !== undefined) metadata.orientation = orientation;
  Object.assign(metadata, readExif(info.exif));

  // HEIC's HEVC codec is not in sharp's prebuilt libvips (patents): its container, sizes and EXIF are read
  // above, and its pixels are decoded by libheif compiled to WebAssembly instead.
  if (info.format === "heif" && info.compression === "hevc") {
    const pixels = (info.width ?? 0) * (info.height ?? 0);
    if (!(pixels > 0 && pixels <= MAX_HEIC_DECODE_PIXELS)) return { ok: true, metadata };
    const decode = await heicDecoder();
    if (!decode) return { ok: true, metadata };
    try {
      return described(metadata, await withDecodeMemory(decodeCost(info), () => heicThumbnailOf(decode, bytes)), info);
    } catch (error) {
      if (overTime(error)) return described(metadata, undefined, info, "time");
      return { ok: false, reason: refusal(error) };
    }
  }

  try {
    return described(metadata, await thumbnailOf(bytes, info), info);
  } catch (error) {
    if (overTime(error)) return described(metadata, undefined, info, "time");
    return { ok: false, reason: refusal(error) };
  }
}

/** The description, with the thumbnail if there is one; without, the reason is logged (not the file's fault). */
function described(metadata: MediaMetadata, thumbnail: Thumbnail | undefined, info: Metadata, over: "memory" | "time" = "memory"): ImageDescription {
  if (thumbnail) return { ok: true, metadata, thumbnail };
  log.warn("picture over its decoding budget, described without a thumbnail", { budget: over, format: info.format, width: info.width, height: info.height, estimatedBytes: decodeCost(info) });
  return { ok: true, metadata };
}

/**
 * A WebP of at most 320 px a side, turned upright, first frame only, with no metadata (so no GPS);
 * undefined when decoding the picture would take more memory than the decoding budget has in all.
 * Throws sharp's errors, a timeout after THUMBNAIL_SECONDS among them (see overTime).
 */
export async function thumbnailOf(bytes: Buffer | Uint8Array, known?: Metadata): Promise<Thumbnail | undefined> {
  const info = known ?? (await sharp(bytes, INPUT).metadata());
  return withDecodeMemory(decodeCost(info), async () => {
    const webp = await sharp(bytes, INPUT)
      .timeout({ seconds: THUMBNAIL_SECONDS })
      .autoOrient()
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
      // sharp writes no metadata unless asked (keepMetadata/withExif): EXIF, GPS, XMP and comments stay behind.
      .webp({ quality: 80 })
      .toBuffer();
    return { bytes: webp, contentType: "image/webp" };
  });
}

/** Whether a decoder was stopped at its deadline: sharp says "timeout: 42% complete". */
export function overTime(error: unknown): boolean {
  return error instanceof HeicDecodeTimeout || (error instanceof Error && /timeout: \d+% complete/.test(error.message));
}

/**
 * The thumbnail of a HEIC whose size was checked: decoded by libheif, which applies the container's
 * rotation and mirroring itself (HEIF says EXIF orientation is informative only, so sharp's autoOrient
 * must not turn it again), then scaled by sharp from the raw pixels.
 */
async function heicThumbnailOf(decode: HeicDecode, bytes: Buffer): Promise<Thumbnail> {
  const { width, height, data } = await decode({ buffer: bytes }, { deadline: Date.now() + THUMBNAIL_SECONDS * 1000 });
  const webp = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } })
    .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  return { bytes: webp, contentType: "image/webp" };
}

/** The owner's reason for a decoding failure; memory exhaustion is ours, not the file's, and is thrown. */
function refusal(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // (libvips and malloc say "out of memory"/"cannot allocate"; a WebAssembly heap that cannot grow says
  // "could not allocate memory", "Cannot enlarge memory" or aborts with "OOM".)
  if (/out of memory|malloc|cannot allocate|could not allocate|enlarge memory|\bOOM\b/i.test(message)) throw error;
  if (/pixel limit/i.test(message)) {
    return `The image is larger than ${MAX_IMAGE_PIXELS / 1_000_000} megapixels, the most that is accepted.`;
  }
  return "The image is damaged or incomplete and could not be read.";
}
