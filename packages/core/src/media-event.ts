import { z } from "zod";

/** The SNS media event, one schema for the publisher, the local subscribers and the tests. */
export const MediaEventSchema = z.object({
  type: z.enum(["media.ready", "media.rejected", "media.deleted"]),
  fileId: z.string(),
  userId: z.string(),
  key: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  metadata: z.record(z.unknown()),
  reason: z.string().optional(),
  at: z.string(),
});

export type MediaEvent = z.infer<typeof MediaEventSchema>;
export type MediaEventType = MediaEvent["type"];
