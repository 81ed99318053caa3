/** Every media event type: what a file became (ready, rejected, deleted) and when its renditions settled. */
export const MEDIA_EVENT_TYPES = ["media.ready", "media.rejected", "media.deleted", "media.renditions"] as const;

/** The renditions a `media.renditions` event says exist now (names, never URLs: those are presigned per reader). */
export const RENDITION_NAMES = ["stream", "preview", "waveform"] as const;

export type MediaEventType = (typeof MEDIA_EVENT_TYPES)[number];
export type RenditionName = (typeof RENDITION_NAMES)[number];

/**
 * The SNS media event, one definition for the publishers, the local subscribers, the web app and the tests.
 * `media.renditions` is published by the renditions function once the renditions of a ready file are
 * recorded, made (`status: "ready"`) or refused (`status: "failed"`, with `reason`): a reader then fetches
 * the file again for its `streamUrl`, `previewUrl` and `waveformUrl`.
 *
 * Checked by hand (mediaEventOf), not with zod: the web app and the client read these events, and this
 * module is all of the core they need for it; zod would be 60 KB of the web app's bundle for one object.
 */
export interface MediaEvent {
  type: MediaEventType;
  fileId: string;
  userId: string;
  key: string;
  contentType: string;
  /** Bytes, a non-negative integer. */
  size: number;
  metadata: Record<string, unknown>;
  reason?: string;
  renditions?: { status: "ready" | "failed"; made: RenditionName[] };
  at: string;
}

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const isOneOf = <T extends string>(list: readonly T[], value: unknown): value is T => list.includes(value as T);

/** A media event from parsed JSON, checked field by field and holding only its own fields: undefined when it is none. */
export function mediaEventOf(value: unknown): MediaEvent | undefined {
  if (!isObject(value)) return undefined;
  const { type, fileId, userId, key, contentType, size, metadata, reason, renditions, at } = value;
  if (!isOneOf(MEDIA_EVENT_TYPES, type) || !isString(fileId) || !isString(userId) || !isString(key) || !isString(contentType) || !isString(at)) return undefined;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0) return undefined;
  if (!isObject(metadata) || (reason !== undefined && !isString(reason))) return undefined;
  const event: MediaEvent = { type, fileId, userId, key, contentType, size, metadata: { ...metadata }, at };
  if (reason !== undefined) event.reason = reason;
  if (renditions !== undefined) {
    if (!isObject(renditions) || !isOneOf(["ready", "failed"] as const, renditions.status)) return undefined;
    const made = renditions.made;
    if (!Array.isArray(made) || !made.every((name) => isOneOf(RENDITION_NAMES, name))) return undefined;
    event.renditions = { status: renditions.status, made: [...made] };
  }
  return event;
}

/** A media event from its JSON text (an SNS message, a server-sent event), checked, not cast: undefined when it is none. */
export function parseMediaEvent(text: string): MediaEvent | undefined {
  try {
    return mediaEventOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}
