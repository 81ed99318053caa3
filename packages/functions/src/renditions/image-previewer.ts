import { readFile } from "node:fs/promises";
import sharp, { type Metadata } from "sharp";
import { RenditionRefusedError, type ImagePreviewer } from "@media/core/renditions/ports";
import { PREVIEW_RENDITION } from "@media/core/renditions/rendition-settings";
import { heicDecoder } from "../media/heic-decoder";
import { INPUT, MAX_HEIC_DECODE_PIXELS, overTime } from "../media/image";

/**
 * The display-size WebP: at most PREVIEW_RENDITION.longSide a side, upright, first frame, no metadata
 * (so no GPS), from the same decoder settings as the indexer's thumbnails (pixel limit, corrupt data
 * refused). HEIC goes through libheif as the thumbnails do, which applies its own rotation. sharp reads
 * the file from disk, so memory is the decoded picture, not the original's bytes as well.
 */
export function createImagePreviewer(): ImagePreviewer {
  return {
    async preview({ source, format, deadline }): Promise<Buffer> {
      const seconds = Math.max(1, Math.floor((deadline - Date.now()) / 1000));
      try {
        // Told by the file, not by the name the indexer gave its format ("heic" from its signature): HEVC
        // in HEIF is what sharp's prebuilt libvips cannot decode; AVIF, also HEIF, it decodes itself.
        if (HEIF_FORMATS.has(format ?? "") || format === undefined) {
          const info = await sharp(source.path, INPUT).metadata();
          if (info.format === "heif" && info.compression === "hevc") return await heicPreview(await readFile(source.path), info, deadline);
        }
        return await sharp(source.path, INPUT)
          .timeout({ seconds })
          .autoOrient()
          .resize(PREVIEW_RENDITION.longSide, PREVIEW_RENDITION.longSide, { fit: "inside", withoutEnlargement: true })
          .webp({ quality: PREVIEW_RENDITION.quality })
          .toBuffer();
      } catch (error) {
        throw refusalOf(error);
      }
    },
  };
}

/** The names the indexer may give a HEIF container's format (file-type's and sharp's). */
const HEIF_FORMATS = new Set(["heic", "heif", "avif"]);

async function heicPreview(bytes: Buffer, info: Metadata, deadline: number): Promise<Buffer> {
  const decode = await heicDecoder();
  if (!decode) throw new Error("heic-decode is not installed beside the renditions function");
  if (info.width && info.height && info.width * info.height > MAX_HEIC_DECODE_PIXELS) {
    throw new RenditionRefusedError(`HEIC pictures over ${MAX_HEIC_DECODE_PIXELS / 1_000_000} megapixels get no preview.`);
  }
  const { width, height, data } = await decode({ buffer: bytes }, { deadline });
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } })
    .resize(PREVIEW_RENDITION.longSide, PREVIEW_RENDITION.longSide, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: PREVIEW_RENDITION.quality })
    .toBuffer();
}

/** The file's fault becomes a reason for its owner; running out of memory or a missing module is ours, and thrown. */
function refusalOf(error: unknown): unknown {
  if (error instanceof RenditionRefusedError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|malloc|cannot allocate|could not allocate|enlarge memory|\bOOM\b|not installed/i.test(message)) return error;
  if (overTime(error)) return new RenditionRefusedError("Making the preview took longer than the time a rendition may take.", { cause: error });
  return new RenditionRefusedError("The image could not be decoded for a preview.", { cause: error });
}
