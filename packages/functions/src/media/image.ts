import sharp, { type Metadata, type SharpOptions } from "sharp";
import type { MediaMetadata } from "@media/core/media-record";
import type { Thumbnail } from "@media/core/ports";
import { readExif } from "./exif";

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_MAX_SIDE = 320;
/**
 * Decompression-bomb guard: the most pixels (width × height of one frame) we agree to decode. A small file
 * can declare an enormous canvas; libvips refuses it before allocating. 100 MP is beyond any phone camera's
 * default output and keeps one decoded frame well inside the indexer's memory.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

// Every file is seen once: libvips' operation cache would only hold on to memory between files.
sharp.cache(false);

const INPUT: SharpOptions = {
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
  // above, but its pixels cannot be decoded here, so it is described without a thumbnail.
  if (info.format === "heif" && info.compression === "hevc") return { ok: true, metadata };

  try {
    return { ok: true, metadata, thumbnail: await thumbnailOf(bytes) };
  } catch (error) {
    return { ok: false, reason: refusal(error) };
  }
}

/** A WebP of at most 320 px a side, turned upright, first frame only, with no metadata (so no GPS). */
export async function thumbnailOf(bytes: Buffer | Uint8Array): Promise<Thumbnail> {
  const webp = await sharp(bytes, INPUT)
    .autoOrient()
    .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
    // sharp writes no metadata unless asked (keepMetadata/withExif): EXIF, GPS, XMP and comments stay behind.
    .webp({ quality: 80 })
    .toBuffer();
  return { bytes: webp, contentType: "image/webp" };
}

/** The owner's reason for a decoding failure; memory exhaustion is ours, not the file's, and is thrown. */
function refusal(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|malloc|cannot allocate/i.test(message)) throw error;
  if (/pixel limit/i.test(message)) {
    return `The image is larger than ${MAX_IMAGE_PIXELS / 1_000_000} megapixels, the most that is accepted.`;
  }
  return "The image is damaged or incomplete and could not be read.";
}
