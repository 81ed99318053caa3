import { inspectInput, readOrGone } from "./inspection-input";
import { decodeEventKey, parseOriginalKey, thumbnailKey } from "./keys";
import type { MediaEvent } from "./media-event";
import type { MediaRecord } from "./media-record";
import { normalizeContentType } from "./media-types";
import { compareSequencers, normalizeETag, sameETag } from "./object-identity";
import {
  ObjectGoneError,
  type Clock,
  type EventPublisher,
  type Inspection,
  type MediaInspector,
  type MediaRepository,
  type ObjectHead,
  type ObjectStorage,
  type ObjectVersion,
  type Replacement,
} from "./ports";
import type { S3EventRecord } from "./s3-notification";

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
 *
 * The upload policy stays valid for its whole window, so the owner can POST to the same key again after
 * the file became ready or rejected. No object is served without having been inspected: the record keeps
 * the eTag and event sequencer of what it describes, and a newer object at its key is inspected like a
 * first upload (see indexReplacement).
 */
export async function indexObject(deps: IndexDeps, record: S3EventRecord): Promise<IndexOutcome> {
  if (!record.eventName.startsWith("ObjectCreated:")) return { outcome: "skipped", reason: `event ${record.eventName}` };
  const key = decodeEventKey(record.s3.object.key);
  const owner = parseOriginalKey(key);
  if (!owner) return { outcome: "skipped", reason: "not an original's key" };
  const existing = await deps.repo.get(owner.userId, owner.fileId);
  if (!existing) {
    // No live record: the file was deleted, its pending upload cancelled, or its window passed and its
    // reservation was released. An object that arrives now was never counted and never will be: it is
    // removed, or it would be storage nobody pays for and nobody sees.
    await deps.storage.remove([key]);
    return { outcome: "skipped", reason: "no record (deleted, cancelled or expired): object removed" };
  }
  const sequencer = record.s3.object.sequencer;
  switch (existing.status) {
    case "pending":
      return indexFirst(deps, existing, key, sequencer);
    case "ready":
      return indexReplacement(deps, existing, key, sequencer);
    case "rejected":
      return discardAfterRejection(deps, existing, key);
  }
}

const GONE: IndexOutcome = { outcome: "skipped", reason: "object no longer exists" };

/** The object is being changed by another delivery; thrown so that the message is retried later. */
export class ConcurrentChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConcurrentChangeError";
  }
}

/** The first object for a pending record. */
async function indexFirst(deps: IndexDeps, existing: MediaRecord, key: string, sequencer: string | undefined): Promise<IndexOutcome> {
  const { userId, fileId } = existing;
  const head = await deps.storage.head(key);
  if (!head) return GONE;
  const eTag = normalizeETag(head.eTag);
  const verdict = await examine(deps.storage, deps.inspector, key, head, existing.contentType, existing.size);
  if (verdict === "gone") return GONE;
  if (!verdict.ok) {
    // The record first, then the object: another delivery may have made the record ready meanwhile
    // with another object at this key (an older one), and this object is then its replacement, which
    // must still find it there; removed first, the record would stay ready over no object, counted.
    // (A delivery dying after the record write leaves a rejected record, whose redelivery removes it.)
    await deps.repo.markRejected(userId, fileId, verdict.reason);
    const current = await deps.repo.get(userId, fileId);
    if (current?.status === "ready" && !sameETag(current.eTag, eTag)) return indexReplacement(deps, current, key, sequencer);
    // Still pending: changed between its read and its write more often than the repository retries.
    // Look again later; the object stays until then, served by nothing.
    if (current?.status === "pending") throw new ConcurrentChangeError(`the record of ${key} is changing under another delivery`);
    await deps.storage.remove([key]);
    // The one delivery that claims the announcement makes it (a twin that rejected it too does not).
    if (current?.status === "rejected" && (await deps.repo.settle(userId, fileId)) === "updated") {
      await deps.events.publish(eventOf("media.rejected", existing, key, head.size, now(deps), verdict.reason));
    }
    return { outcome: "rejected", fileId, reason: verdict.reason };
  }
  const { inspection } = verdict;

  // The thumbnail goes first and always to the same key: a repeated delivery overwrites it with the same
  // bytes, and if the record is no longer there to point at it (deleted meanwhile), it is removed below.
  let thumbKey: string | undefined;
  if (inspection.thumbnail) {
    thumbKey = thumbnailKey(userId, fileId);
    await deps.storage.put(thumbKey, inspection.thumbnail.bytes, inspection.thumbnail.contentType);
  }
  const facts: Parameters<MediaRepository["markReady"]>[2] = { size: head.size, metadata: inspection.metadata, declaredSize: existing.size };
  if (thumbKey) facts.thumbnailKey = thumbKey;
  if (sequencer) facts.sequencer = sequencer;
  if (eTag) facts.eTag = eTag;
  const changed = await deps.repo.markReady(userId, fileId, facts);
  const current = await deps.repo.get(userId, fileId);
  if (changed === "updated" && (await deps.repo.settle(userId, fileId, { eTag, sequencer })) === "updated") {
    const described = current?.status === "ready" ? current : { ...existing, metadata: inspection.metadata, size: head.size };
    await deps.events.publish(eventOf("media.ready", described, key, described.size, now(deps)));
  }
  // Ready, but describing another object than this one (a concurrent delivery counted an earlier or
  // later POST to the key): the thumbnail written above is this object's picture under that record, so
  // the record's own is made again; then this object is handled as that record's replacement.
  if (current?.status === "ready" && !sameETag(current.eTag, eTag)) {
    if (thumbKey) await restoreThumbnail(deps, current, key);
    return indexReplacement(deps, current, key, sequencer);
  }
  if (changed === "unchanged") {
    // Either another delivery made it ready (its thumbnail is this one: same key, same bytes) or the
    // record went away while we worked (deleted, or expired): then our thumbnail is a stray, and the
    // owner's delete, which ran before we wrote it, will not come back for it.
    if (thumbKey && current?.status !== "ready") await deps.storage.remove([thumbKey]);
    // Still pending: changed between its read and its write more often than the repository retries.
    // Look again later, when the record says what it is.
    if (current?.status === "pending") throw new ConcurrentChangeError(`the record of ${key} is changing under another delivery`);
    return { outcome: "skipped", reason: "already indexed or gone" };
  }
  return { outcome: "ready", fileId, thumbnail: thumbKey !== undefined };
}

/**
 * An object created at the key of a ready record: the owner POSTed again with the still-valid policy
 * (or this is one more delivery of an event already handled). Anything but the object the record
 * describes is inspected exactly like a first upload, and either becomes what the record describes
 * (usage moved by the size difference, once) or is removed and the record rejected (its usage given
 * back, once).
 *
 * Why skipping events that are not newer is safe: the record names the sequencer of an event E and the
 * eTag the indexer read with HEAD after E. An object at the key with another eTag was written after that
 * HEAD, so after E, and its own event has a sequencer newer than E's; that event comes (at least once)
 * and is handled here. So an event not newer than the record's (a stale or repeated delivery) is skipped,
 * and a newer one HEADs the key: the eTag the record describes has been inspected, any other is inspected.
 */
async function indexReplacement(deps: IndexDeps, existing: MediaRecord, key: string, sequencer: string | undefined): Promise<IndexOutcome> {
  const { userId, fileId } = existing;
  const order = compareSequencers(sequencer, existing.sequencer);
  if (order !== undefined && order < 0) return { outcome: "skipped", reason: "stale event: a later object is already described" };
  const head = await deps.storage.head(key);
  if (!head) return GONE;
  const from = { eTag: existing.eTag, sequencer: existing.sequencer };
  const eTag = normalizeETag(head.eTag);
  // A repeated delivery of the event the record names, with a later object in place: that object's own
  // (newer) event handles it.
  if (order === 0 && !sameETag(eTag, existing.eTag)) return { outcome: "skipped", reason: "repeated event: a later object has its own event" };
  if (sameETag(eTag, existing.eTag)) {
    // The object the record describes. A repeated delivery may be the redelivery of a run that died
    // after its transition's write and before announcing it (the record still owes the event): finish
    // what the dead run could not, its thumbnail (a replacement writes it after the record) and its event.
    if (existing.announcement) {
      if (existing.thumbnailKey) await restoreThumbnail(deps, existing, key);
      if ((await deps.repo.settle(userId, fileId, from)) === "updated") {
        await deps.events.publish(eventOf(existing.announcement, existing, key, existing.size, now(deps), existing.rejectionReason));
      }
    }
    return { outcome: "skipped", reason: "object already described" };
  }

  // The policy's upper bound is the declared size, which the record keeps once `size` is the stored one.
  const verdict = await examine(deps.storage, deps.inspector, key, head, existing.contentType, existing.declaredSize ?? existing.size);
  if (verdict === "gone") return GONE;
  const to: ObjectVersion = { sequencer: sequencer ?? existing.sequencer };
  if (eTag) to.eTag = eTag;

  if (!verdict.ok) {
    // The record is rejected before the object and its predecessor's thumbnail go: removed first, a
    // delivery that died before the record write would leave, on redelivery, a ready record over no
    // object (skipped as gone) with its bytes still counted. Once rejected, nothing serves the object,
    // and a redelivery after a crash before the removal finds the record rejected and removes it.
    const outcome: Replacement = { status: "rejected", size: head.size, reason: verdict.reason };
    const changed = await replaceOrWait(deps, existing, to, outcome, key);
    if (changed === "unchanged") return { outcome: "skipped", reason: "already indexed or gone" };
    await deps.storage.remove(existing.thumbnailKey ? [key, existing.thumbnailKey] : [key]);
    if ((await deps.repo.settle(userId, fileId, to)) === "updated") {
      await deps.events.publish(eventOf("media.rejected", { ...existing, metadata: {} }, key, head.size, now(deps), verdict.reason));
    }
    return { outcome: "rejected", fileId, reason: verdict.reason };
  }

  const { inspection } = verdict;
  const outcome: Replacement = { status: "ready", size: head.size, metadata: inspection.metadata };
  if (inspection.thumbnail) outcome.thumbnailKey = thumbnailKey(userId, fileId);
  if ((await replaceOrWait(deps, existing, to, outcome, key)) === "unchanged") return { outcome: "skipped", reason: "already indexed or gone" };
  // Only the delivery whose write replaced the record writes the thumbnail, and the next replacement
  // waits until this one is announced (the record owes its event until then), so no other object's
  // picture can land behind this record. A crash before this point is finished by the redelivery.
  if (inspection.thumbnail && outcome.thumbnailKey) {
    await deps.storage.put(outcome.thumbnailKey, inspection.thumbnail.bytes, inspection.thumbnail.contentType);
    // Deleted meanwhile: the owner's delete may have swept derived/ before this thumbnail was written.
    if (!(await deps.repo.get(userId, fileId))) {
      await deps.storage.remove([outcome.thumbnailKey]);
      return { outcome: "skipped", reason: "already indexed or gone" };
    }
  }
  // The new object has no picture: the predecessor's thumbnail would show something else.
  if (!outcome.thumbnailKey && existing.thumbnailKey) await deps.storage.remove([existing.thumbnailKey]);
  if ((await deps.repo.settle(userId, fileId, to)) === "updated") {
    await deps.events.publish(eventOf("media.ready", { ...existing, metadata: inspection.metadata }, key, head.size, now(deps)));
  }
  return { outcome: "ready", fileId, thumbnail: outcome.thumbnailKey !== undefined };
}

/** The replaced transition; a record still owing its last event, or changed since it was read, is retried later. */
async function replaceOrWait(deps: IndexDeps, existing: MediaRecord, to: ObjectVersion, outcome: Replacement, key: string): Promise<"updated" | "unchanged"> {
  const from = { eTag: existing.eTag, sequencer: existing.sequencer, size: existing.size };
  const changed = await deps.repo.replace(existing.userId, existing.fileId, from, to, outcome);
  if (changed === "busy") throw new ConcurrentChangeError(`another change of ${key} is under way`);
  return changed;
}

/**
 * Makes the thumbnail of the object a ready record describes again, if that object is still the one at
 * its key (if not, the object there has a newer event, whose handling writes its own thumbnail).
 */
async function restoreThumbnail(deps: IndexDeps, record: MediaRecord, key: string): Promise<void> {
  const head = await deps.storage.head(key);
  if (!head || !record.thumbnailKey || !sameETag(normalizeETag(head.eTag), record.eTag)) return;
  const verdict = await examine(deps.storage, deps.inspector, key, head, record.contentType, record.declaredSize ?? record.size);
  if (verdict !== "gone" && verdict.ok && verdict.inspection.thumbnail) {
    await deps.storage.put(record.thumbnailKey, verdict.inspection.thumbnail.bytes, verdict.inspection.thumbnail.contentType);
  }
}

/**
 * An object created at the key of a rejected record is removed and the record stays rejected. Rejecting
 * gave the file's reservation back, so accepting a later object would count bytes no quota check
 * approved (other uploads may have taken that room since); the owner starts a new upload instead, which
 * costs one request. Removing is idempotent, so duplicate and stale deliveries change nothing.
 */
async function discardAfterRejection(deps: IndexDeps, existing: MediaRecord, key: string): Promise<IndexOutcome> {
  const { userId, fileId } = existing;
  // The thumbnail too: a rejected replacement that died after its record write left its predecessor's.
  await deps.storage.remove([key, thumbnailKey(userId, fileId)]);
  // A delivery that died after its rejection's write owes the owner the event.
  if (existing.announcement === "media.rejected" && (await deps.repo.settle(userId, fileId)) === "updated") {
    await deps.events.publish(eventOf("media.rejected", existing, key, existing.size, now(deps), existing.rejectionReason));
  }
  return { outcome: "skipped", reason: "file was rejected; an object stored at its key afterwards was removed" };
}

type Verdict = { ok: true; inspection: Extract<Inspection, { ok: true }> } | { ok: false; reason: string } | "gone";

/** The checks every object goes through, first upload or replacement: size, stored type, then content. */
async function examine(storage: ObjectStorage, inspector: MediaInspector, key: string, head: ObjectHead, declaredType: string, declaredSize: number): Promise<Verdict> {
  const problem =
    head.size > declaredSize
      ? `The stored file (${head.size} bytes) is larger than the ${declaredSize} bytes declared.`
      : head.size === 0
        ? "The file is empty."
        : head.contentType !== undefined && !sameType(head.contentType, declaredType)
          ? `The file was stored as ${head.contentType.slice(0, 100)}, not as the declared ${declaredType}.`
          : undefined;
  if (problem) return { ok: false, reason: problem };
  try {
    const inspection = await inspector.inspect(inspectInput(storage, key, head.size, declaredType, await readOrGone(storage, key, 0, Math.min(head.size, HEAD_BYTES) - 1)));
    return inspection.ok ? { ok: true, inspection } : inspection;
  } catch (error) {
    if (error instanceof ObjectGoneError) return "gone";
    throw error;
  }
}

function now(deps: IndexDeps): string {
  return new Date(deps.clock.now()).toISOString();
}

function sameType(stored: string, declared: string): boolean {
  try {
    return normalizeContentType(stored) === declared;
  } catch {
    return false;
  }
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
