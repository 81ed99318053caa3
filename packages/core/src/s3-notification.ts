import * as z from "zod/v4-mini";
// The issues the log shows worded as zod 3 worded them (and as the account routes' are).
import "./mini-schema";

/**
 * The parts of an S3 event record the indexer reads, validated rather than trusted. In zod 4's "mini"
 * build, as the account schemas (mini-schema.ts): the indexer's bundle then holds a third of the bytes
 * zod 3 brings, and only the indexer's log reads the issues.
 */
export const S3EventRecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.optional(z.string()),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      // A safe integer: S3's largest object (5 TiB) is far below 2^53.
      size: z.optional(z.int().check(z.nonnegative())),
      eTag: z.optional(z.string()),
      sequencer: z.optional(z.string()),
    }),
  }),
});
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>;

/** An SQS body from an S3 notification: either a batch of records or S3's one-off test event. */
export const S3NotificationSchema = z.union([z.looseObject({ Event: z.literal("s3:TestEvent") }), z.object({ Records: z.array(S3EventRecordSchema) })]);
