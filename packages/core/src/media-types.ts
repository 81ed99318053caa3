import { UnsupportedMediaTypeError, ValidationError } from "./errors";

export type MediaKind = "image" | "audio";

/**
 * The allowlist. SVG is deliberately absent: it is a document that can carry script, not an image we
 * can serve inline safely. Aliases map the names browsers and tools really send to one canonical type,
 * so that the presigned policy binds exactly what the client will send.
 */
const CANONICAL: Record<string, { kind: MediaKind; extension: string; label: string }> = {
  "image/jpeg": { kind: "image", extension: "jpg", label: "JPEG" },
  "image/png": { kind: "image", extension: "png", label: "PNG" },
  "image/gif": { kind: "image", extension: "gif", label: "GIF" },
  "image/webp": { kind: "image", extension: "webp", label: "WebP" },
  "image/avif": { kind: "image", extension: "avif", label: "AVIF" },
  "image/heic": { kind: "image", extension: "heic", label: "HEIC/HEIF" },
  "image/heif": { kind: "image", extension: "heif", label: "HEIC/HEIF" },
  "audio/mpeg": { kind: "audio", extension: "mp3", label: "MP3" },
  "audio/mp4": { kind: "audio", extension: "m4a", label: "M4A/AAC" },
  "audio/aac": { kind: "audio", extension: "aac", label: "M4A/AAC" },
  "audio/ogg": { kind: "audio", extension: "ogg", label: "Ogg/Opus" },
  "audio/opus": { kind: "audio", extension: "opus", label: "Ogg/Opus" },
  "audio/wav": { kind: "audio", extension: "wav", label: "WAV" },
  "audio/flac": { kind: "audio", extension: "flac", label: "FLAC" },
  "audio/webm": { kind: "audio", extension: "webm", label: "WebM" },
};

const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "audio/mp3": "audio/mpeg",
  "audio/x-m4a": "audio/mp4",
  "audio/m4a": "audio/mp4",
  "audio/x-aac": "audio/aac",
  "audio/x-wav": "audio/wav",
  "audio/wave": "audio/wav",
  "audio/vnd.wave": "audio/wav",
  "audio/x-flac": "audio/flac",
};

export const ALLOWED_CONTENT_TYPES: readonly string[] = Object.keys(CANONICAL);

/**
 * The allowlist in words, for people: "JPEG, PNG, … images and MP3, … audio". Made from the list itself
 * and said the same everywhere: the API's refusal, the web app's upload panel and errors, the README.
 */
export const ACCEPTED_MEDIA_TEXT = (["image", "audio"] as const)
  .map((kind) => `${[...new Set(Object.values(CANONICAL).filter((t) => t.kind === kind).map((t) => t.label))].join(", ")} ${kind === "image" ? "images" : "audio"}`)
  .join(" and ");

/**
 * Lower-cases, strips parameters (`audio/mpeg; charset=binary`) and resolves aliases. Parameters are
 * dropped rather than refused because real clients add them to perfectly good uploads.
 */
export function normalizeContentType(raw: string): string {
  const base = raw.split(";", 1)[0]!.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(base)) {
    throw new ValidationError(`"${raw.slice(0, 100)}" is not a media type.`, { code: "InvalidContentType" });
  }
  return ALIASES[base] ?? base;
}

export function mediaKindOf(contentType: string): MediaKind | undefined {
  return CANONICAL[contentType]?.kind;
}

/** The usual file extension of an allowed (canonical) type, without the dot; undefined for any other. */
export function fileExtensionOf(contentType: string): string | undefined {
  return CANONICAL[contentType]?.extension;
}

/** Normalises and checks against the allowlist; the result is what the upload policy binds. */
export function acceptContentType(raw: string): { contentType: string; kind: MediaKind } {
  const contentType = normalizeContentType(raw);
  const kind = mediaKindOf(contentType);
  if (!kind) {
    throw new UnsupportedMediaTypeError(`${contentType} is not accepted. Accepted: ${ACCEPTED_MEDIA_TEXT}.`, {
      details: { allowed: ALLOWED_CONTENT_TYPES },
    });
  }
  return { contentType, kind };
}

/**
 * Declared types that a file of one real (detected) type may carry besides its own: HEIC and HEIF name the
 * same container; an Ogg Opus file is also an Ogg file (browsers send either); an M4A file holds AAC and
 * some clients declare it as such. Aliases (audio/x-m4a, audio/x-wav…) are equal through normalisation.
 */
const ALSO_DECLARED_AS: Record<string, readonly string[]> = {
  "image/heic": ["image/heif"],
  "image/heif": ["image/heic"],
  "audio/opus": ["audio/ogg"],
  "audio/mp4": ["audio/aac"],
};

/** Whether a file whose content is `detected` may stand under the `declared` type. */
export function declaredTypeFits(declared: string, detected: string): boolean {
  let d: string;
  let real: string;
  try {
    d = normalizeContentType(declared);
    real = normalizeContentType(detected);
  } catch {
    return false;
  }
  if (!mediaKindOf(real)) return false;
  return d === real || (ALSO_DECLARED_AS[real]?.includes(d) ?? false);
}

/** Extensions people give these files besides the canonical one. */
const EXTENSION_ALIASES: Record<string, string> = { jpeg: "image/jpeg", jpe: "image/jpeg", mp4: "audio/mp4", oga: "audio/ogg", wave: "audio/wav" };

/**
 * The allowed type a file name's extension suggests (for clients that upload from disk, where no
 * browser names the type); undefined when it suggests none. The server still checks the content.
 */
export function contentTypeForFileName(fileName: string): string | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (!extension) return undefined;
  return EXTENSION_ALIASES[extension] ?? Object.entries(CANONICAL).find(([, v]) => v.extension === extension)?.[0];
}
