import { Readable } from "node:stream";
import { z } from "zod";
import { decodeEventKey, parseOriginalKey, thumbnailKey } from "./keys";
import type { MediaEvent } from "./media-event";
import type { MediaRecord } from "./media-record";
import { normalizeContentType } from "./media-types";
import { ObjectGoneError, type Clock, type EventPublisher, type InspectInput, type Inspection, type MediaInspector, type MediaRepository, type ObjectStorage } from "./ports";

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
  inspector: MediaInspector;
}

export type IndexOutcome =
  | { outcome: "ready"; fileId: string; thumbnail: boolean }
  | { outcome: "rejected"; fileId: string; reason: string }
  | { outcome: "skipped"; reason: string };

/**
 * How much of an object one ranged read takes for sniffing. file-type needs 4100 bytes at most for the
 * types we accept; 64 KiB also holds the EXIF block of a JPEG and the headers of most audio files, and
 * costs the same one request. Small files are read whole by this one request.
 */
export const HEAD_BYTES = 64 * 1024;

/**
 * Indexes one created object: checks its content against what was declared, describes it, stores its
 * thumbnail, and moves its record from pending to ready or rejected. S3 delivers at least once and out of
 * order, so every step is safe to repeat: the record moves from pending only once (the repository's
 * conditional writes), the thumbnail always goes to the same key, and an object that has meanwhile gone
 * (deleted by its owner) is skipped, leaving nothing behind.
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
  if (!head) return GONE;

  const problem =
    head.size > existing.size
      ? `The stored file (${head.size} bytes) is larger than the ${existing.size} bytes declared.`
      : head.size === 0
        ? "The file is empty."
        : head.contentType !== undefined && !sameType(head.contentType, existing.contentType)
          ? `The file was stored as ${head.contentType.slice(0, 100)}, not as the declared ${existing.contentType}.`
          : undefined;
  if (problem) return reject(deps, existing, key, head.size, problem);

  let inspection: Inspection;
  try {
    inspection = await deps.inspector.inspect(inspectInput(deps.storage, key, head.size, existing.contentType, await readOrGone(deps.storage, key, 0, Math.min(head.size, HEAD_BYTES) - 1)));
  } catch (error) {
    if (error instanceof ObjectGoneError) return GONE;
    throw error;
  }
  if (!inspection.ok) return reject(deps, existing, key, head.size, inspection.reason);

  // The thumbnail goes first and always to the same key: a repeated delivery overwrites it with the same
  // bytes, and if the record is no longer there to point at it (deleted meanwhile), it is removed below.
  let thumbKey: string | undefined;
  if (inspection.thumbnail) {
    thumbKey = thumbnailKey(userId, fileId);
    await deps.storage.put(thumbKey, inspection.thumbnail.bytes, inspection.thumbnail.contentType);
  }
  const facts: Parameters<MediaRepository["markReady"]>[2] = { size: head.size, metadata: inspection.metadata };
  if (thumbKey) facts.thumbnailKey = thumbKey;
  if (record.s3.object.sequencer) facts.sequencer = record.s3.object.sequencer;
  const changed = await deps.repo.markReady(userId, fileId, facts);
  if (changed === "unchanged") {
    // Either another delivery made it ready (its thumbnail is this one: same key, same bytes) or the
    // record went away while we worked (deleted, or expired): then our thumbnail is a stray, and the
    // owner's delete, which ran before we wrote it, will not come back for it.
    if (thumbKey && (await deps.repo.get(userId, fileId))?.status !== "ready") await deps.storage.remove([thumbKey]);
    return { outcome: "skipped", reason: "already indexed or gone" };
  }
  const at = new Date(deps.clock.now()).toISOString();
  await deps.events.publish(eventOf("media.ready", { ...existing, metadata: inspection.metadata }, key, head.size, at));
  return { outcome: "ready", fileId, thumbnail: thumbKey !== undefined };
}

const GONE: IndexOutcome = { outcome: "skipped", reason: "object no longer exists" };

/** Rejected: the object goes (it is not what it claims to be, so nobody may fetch it), then the record. */
async function reject(deps: IndexDeps, existing: MediaRecord, key: string, size: number, reason: string): Promise<IndexOutcome> {
  await deps.storage.remove([key]);
  const changed = await deps.repo.markRejected(existing.userId, existing.fileId, reason);
  if (changed === "updated") {
    await deps.events.publish(eventOf("media.rejected", existing, key, size, new Date(deps.clock.now()).toISOString(), reason));
  }
  return { outcome: "rejected", fileId: existing.fileId, reason };
}

function sameType(stored: string, declared: string): boolean {
  try {
    return normalizeContentType(stored) === declared;
  } catch {
    return false;
  }
}

async function readOrGone(storage: ObjectStorage, key: string, start: number, endInclusive: number): Promise<Buffer> {
  const bytes = await storage.readRange(key, start, endInclusive);
  if (!bytes) throw new ObjectGoneError(key);
  return bytes;
}

function inspectInput(storage: ObjectStorage, key: string, size: number, declaredType: string, head: Buffer): InspectInput {
  return {
    declaredType,
    size,
    head,
    read: (start, endInclusive) => readOrGone(storage, key, start, endInclusive),
    async open() {
      // Byte mode, not Readable.from's default object mode: parsers read a byte stream by length.
      if (head.length >= size) return Readable.from([head], { objectMode: false });
      const rest = await storage.openRead(key, head.length);
      if (!rest) throw new ObjectGoneError(key);
      // Closing the joined stream early (a parser that has seen enough) closes the object's stream too.
      return Readable.from(
        (async function* () {
          yield head;
          yield* rest;
        })(),
        { objectMode: false },
      );
    },
  };
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
