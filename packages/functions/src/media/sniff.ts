import { fileTypeFromBlob } from "file-type";

/**
 * What a file really is, from its bytes (file-type's magic numbers), named as our allowlist names types.
 *
 * Some answers need a second look before they can stand for an allowed type: file-type names every WebM
 * `video/webm` and an MP4 whose brand is generic (`isom`) `video/mp4`; either is fine as audio when it holds
 * audio and no video track, which the audio parser tells (`audioOnly`).
 */
export interface Sniffed {
  /** file-type's own answer, for the owner's reason when refused: `application/x-elf`, `video/webm`. */
  detected?: string;
  /** The allowlist type the content is (or may be, see audioOnly); undefined when it is none of ours. */
  contentType?: string;
  /** The content may stand for contentType only if it turns out to hold audio and no video. */
  audioOnly?: boolean;
}

const AS_ALLOWED: Record<string, { contentType: string; audioOnly?: boolean }> = {
  "image/jpeg": { contentType: "image/jpeg" },
  "image/png": { contentType: "image/png" },
  // An animated PNG is a PNG to every decoder that does not animate it.
  "image/apng": { contentType: "image/png" },
  "image/gif": { contentType: "image/gif" },
  "image/webp": { contentType: "image/webp" },
  "image/avif": { contentType: "image/avif" },
  "image/heic": { contentType: "image/heic" },
  "image/heic-sequence": { contentType: "image/heic" },
  "image/heif": { contentType: "image/heif" },
  "image/heif-sequence": { contentType: "image/heif" },
  "audio/mpeg": { contentType: "audio/mpeg" },
  "audio/aac": { contentType: "audio/aac" },
  "audio/x-m4a": { contentType: "audio/mp4" },
  "audio/mp4": { contentType: "audio/mp4" },
  "video/mp4": { contentType: "audio/mp4", audioOnly: true },
  "audio/ogg": { contentType: "audio/ogg" },
  "audio/ogg; codecs=opus": { contentType: "audio/opus" },
  "audio/opus": { contentType: "audio/opus" },
  "audio/wav": { contentType: "audio/wav" },
  "audio/vnd.wave": { contentType: "audio/wav" },
  "audio/x-wav": { contentType: "audio/wav" },
  "audio/flac": { contentType: "audio/flac" },
  "audio/x-flac": { contentType: "audio/flac" },
  "audio/webm": { contentType: "audio/webm" },
  "video/webm": { contentType: "audio/webm", audioOnly: true },
};

/**
 * Sniffs through a random-access Blob: usually only the head is touched, but file-type skips an ID3v2 tag
 * (which can hold megabytes of cover art) and looks at what follows, so an MP3 or FLAC behind a large tag
 * is still known for what it is, and "ID3" followed by anything else is not taken for an MP3.
 */
export async function sniff(blob: Blob): Promise<Sniffed> {
  const found = await fileTypeFromBlob(blob);
  if (!found) return {};
  const detected = found.mime.toLowerCase();
  const allowed = AS_ALLOWED[detected];
  return allowed ? { detected, ...allowed } : { detected };
}
