import { ACCEPTED_MEDIA_TEXT, ALLOWED_CONTENT_TYPES, mediaKindOf, normalizeContentType, type MediaKind } from "@media/core/media-types";

/**
 * The server's own allowlist (packages/core/src/media-types.ts, a plain module with no Node imports),
 * so the app refuses exactly what the API would refuse, before anything is sent.
 */
export { ALLOWED_CONTENT_TYPES };
export type { MediaKind };

/** Browsers leave File.type empty for types the OS doesn't know (often FLAC, HEIC, Opus): the extension decides then. */
const BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jfif: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  heic: "image/heic",
  heif: "image/heif",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  aac: "audio/aac",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/opus",
  wav: "audio/wav",
  flac: "audio/flac",
  weba: "audio/webm",
};

/** What the file picker offers: every accepted type and its usual extensions. */
export const PICKER_ACCEPT = [...ALLOWED_CONTENT_TYPES, ...Object.keys(BY_EXTENSION).map((e) => `.${e}`)].join(",");

export const ACCEPTED_SUMMARY = ACCEPTED_MEDIA_TEXT;

export type Acceptance = { ok: true; contentType: string; kind: MediaKind } | { ok: false; reason: string };

export function acceptFile(file: { name: string; type: string }): Acceptance {
  let contentType: string | undefined;
  if (file.type) {
    try {
      contentType = normalizeContentType(file.type);
    } catch {
      contentType = undefined;
    }
  }
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  // Some systems label audio by container (video/webm, video/ogg, application/ogg): the extension is the better guess then.
  if ((!contentType || !mediaKindOf(contentType)) && ext && BY_EXTENSION[ext] && (!contentType || !contentType.startsWith("image/"))) {
    contentType = BY_EXTENSION[ext];
  }
  const kind = contentType ? mediaKindOf(contentType) : undefined;
  if (!contentType || !kind) {
    const what = contentType ? `${contentType} files are` : ext ? `.${ext} files are` : "This kind of file is";
    return { ok: false, reason: `${what} not accepted. Upload ${ACCEPTED_SUMMARY}.` };
  }
  return { ok: true, contentType, kind };
}
