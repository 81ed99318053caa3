import { z } from "zod";

/** Every media event type: what a file became (ready, rejected, deleted) and when its renditions settled. */
export const MEDIA_EVENT_TYPES = ["media.ready", "media.rejected", "media.deleted", "media.renditions"] as const;

/** The renditions a `media.renditions` event says exist now (names, never URLs: those are presigned per reader). */
export const RENDITION_NAMES = ["stream", "preview", "waveform"] as const;

/**
 * The SNS media event, one schema for the publishers, the local subscribers, the web app and the tests.
 * `media.renditions` is published by the renditions function once the renditions of a ready file are
 * recorded, made (`status: "ready"`) or refused (`status: "failed"`, with `reason`): a reader then fetches
 * the file again for its `streamUrl`, `previewUrl` and `waveformUrl`.
 */
export const MediaEventSchema = z.object({
  type: z.enum(MEDIA_EVENT_TYPES),
  fileId: z.string(),
  userId: z.string(),
  key: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  metadata: z.record(z.unknown()),
  reason: z.string().optional(),
  renditions: z.object({ status: z.enum(["ready", "failed"]), made: z.array(z.enum(RENDITION_NAMES)) }).optional(),
  at: z.string(),
});

export type MediaEvent = z.infer<typeof MediaEventSchema>;
export type MediaEventType = MediaEvent["type"];
export type RenditionName = (typeof RENDITION_NAMES)[number];

/** A media event from its JSON text (an SNS message, a server-sent event), checked, not cast: undefined when it is none. */
export function parseMediaEvent(text: string): MediaEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = MediaEventSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
