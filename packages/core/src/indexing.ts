import { z } from "zod";
import { decodeEventKey, parseOriginalKey } from "./keys";
import type { MediaEvent } from "./media-event";
import type { Clock, EventPublisher, MediaRepository, ObjectStorage } from "./ports";

/** The parts of an S3 event record the indexer reads, validated rather than trusted. */
export const S3EventRecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>;

/** An SQS body from an S3 notification: either a batch of records or S3's one-off test event. */
export const S3NotificationSchema = z.union([
  z.object({ Event: z.literal("s3:TestEvent") }).passthrough(),
  z.object({ Records: z.array(S3EventRecordSchema) }),
]);

export interface IndexDeps {
  repo: MediaRepository;
  storage: ObjectStorage;
  events: EventPublisher;
  clock: Clock;
}

export type IndexOutcome =
  | { outcome: "ready"; fileId: string }
  | { outcome: "rejected"; fileId: string; reason: string }
  | { outcome: "skipped"; reason: string };

/**
 * Indexes one created object. S3 delivers at least once and out of order, so every step is safe to
 * repeat: the record moves from pending only once, and an object that has meanwhile gone is skipped.
 */
export async function indexObject(deps: IndexDeps, record: S3EventRecord): Promise<IndexOutcome> {
  if (!record.eventName.startsWith("ObjectCreated:")) return { outcome: "skipped", reason: `event ${record.eventName}` };
  const key = decodeEventKey(record.s3.object.key);
  const owner = parseOriginalKey(key);
  if (!owner) return { outcome: "skipped", reason: "not an original's key" };
  const { userId, fileId } = owner;
  const existing = await deps.repo.get(userId, fileId);
  if (!existing) return { outcome: "skipped", reason: "no record (deleted or never announced)" };
  if (existing.status !== "pending") return { outcome: "skipped", reason: `already ${existing.status}` };
  const head = await deps.storage.head(key);
  if (!head) return { outcome: "skipped", reason: "object no longer exists" };

  const problem =
    head.size > existing.size
      ? `stored size ${head.size} exceeds the declared ${existing.size}`
      : head.contentType && head.contentType !== existing.contentType
        ? `stored type ${head.contentType} differs from the declared ${existing.contentType}`
        : undefined;
  const at = new Date(deps.clock.now()).toISOString();
  if (problem) {
    await deps.storage.remove([key]);
    const changed = await deps.repo.markRejected(userId, fileId, problem);
    if (changed === "updated") await deps.events.publish(eventOf("media.rejected", existing, key, head.size, at, problem));
    return { outcome: "rejected", fileId, reason: problem };
  }
  const facts: Parameters<MediaRepository["markReady"]>[2] = { size: head.size, metadata: existing.metadata };
  if (record.s3.object.sequencer) facts.sequencer = record.s3.object.sequencer;
  const changed = await deps.repo.markReady(userId, fileId, facts);
  if (changed === "unchanged") return { outcome: "skipped", reason: "already indexed" };
  await deps.events.publish(eventOf("media.ready", existing, key, head.size, at));
  return { outcome: "ready", fileId };
}

function eventOf(
  type: MediaEvent["type"],
  record: { fileId: string; userId: string; contentType: string; metadata: object },
  key: string,
  size: number,
  at: string,
  reason?: string,
): MediaEvent {
  const event: MediaEvent = { type, fileId: record.fileId, userId: record.userId, key, contentType: record.contentType, size, metadata: { ...record.metadata }, at };
  if (reason) event.reason = reason;
  return event;
}
