import type { Readable } from "node:stream";
import type { FileUrls, MediaMetadata, MediaRecord } from "./media-record";
import type { MediaEvent } from "./media-event";
import type { MediaKind } from "./media-types";

/**
 * The ports the domain needs. Adapters for AWS live in packages/functions; the local runtime wires the
 * same adapters to local endpoints. Each port is as small as its callers need.
 */

export interface Usage {
  files: number;
  bytes: number;
  /**
   * Bytes held by pending uploads, counted until they are made ready, rejected, cancelled or released
   * (abandoned ones are released by the next presign that needs their room, or by the sweep).
   */
  reservedBytes: number;
}

export interface ListQuery {
  limit: number;
  /** Continue after this fileId (exclusive), newest first. */
  after?: string;
  kind?: MediaKind;
  /** Lower-cased substring of the file name. */
  q?: string;
  /** Inclusive fileId bounds derived from upload dates. */
  fromId?: string;
  toId?: string;
}

export interface ListPage {
  records: MediaRecord[];
  /** The last fileId examined when more may follow. */
  lastFileId?: string;
}

/** "updated" for the one call whose write made the change; "unchanged" for repeats, twins and files gone. */
export type ReadyResult = "updated" | "unchanged";

/** One stored version of an original: its eTag (unquoted) and the sequencer of the S3 event that announced it. */
export interface ObjectVersion {
  eTag?: string;
  sequencer?: string;
}

/** What the object that replaced a ready file's object turned out to be. */
export type Replacement =
  | { status: "ready"; size: number; metadata: MediaMetadata; thumbnailKey?: string }
  | { status: "rejected"; size: number; reason: string };

/**
 * The file records and their owner's usage. Every change of a file's state is one transition of the
 * lifecycle (file-lifecycle.ts), written with the usage it moves in one atomic step, so a repeated or
 * concurrent call changes nothing twice.
 */
export interface MediaRepository {
  /**
   * absent → pending: writes the record and reserves its declared size in one atomic step, if it fits
   * (stored + reserved + size ≤ quota); throws QuotaExceededError (with what is left) and writes nothing
   * when it does not, after giving back the reservations of the user's abandoned uploads.
   */
  createPending(record: MediaRecord, quotaBytes: number, now: number): Promise<void>;
  get(userId: string, fileId: string): Promise<MediaRecord | undefined>;
  list(userId: string, query: ListQuery, now: number): Promise<ListPage>;
  /**
   * pending → ready, its reservation becoming stored bytes, once; the record then owes `media.ready`
   * (see settle). "unchanged" when the record is not pending (another delivery made it ready or
   * rejected it, possibly with another object at the key: the caller reads it back) or is gone.
   */
  markReady(
    userId: string,
    fileId: string,
    facts: { size: number; metadata: MediaMetadata; thumbnailKey?: string; sequencer?: string; eTag?: string; declaredSize?: number },
  ): Promise<ReadyResult>;
  /** pending → rejected, its reservation released, once; the record then owes `media.rejected`. */
  markRejected(userId: string, fileId: string, reason: string): Promise<ReadyResult>;
  /**
   * ready (describing `from`, of `from.size` bytes) → ready or rejected describing `to`, usage moved by
   * the difference, once. "busy" while the record still owes the announcement of its last transition or
   * describes another version than `from` (the caller retries later, from a fresh read); "unchanged"
   * when a twin delivery did it or the file is gone.
   */
  replace(userId: string, fileId: string, from: ObjectVersion & { size: number }, to: ObjectVersion, outcome: Replacement): Promise<ReadyResult | "busy">;
  /**
   * Claims the announcement the record owes (describing `version`, when given): "updated" for exactly
   * one caller, who then publishes it; "unchanged" when nothing is owed.
   */
  settle(userId: string, fileId: string, version?: ObjectVersion): Promise<ReadyResult>;
  update(userId: string, fileId: string, patch: { fileName?: string; description?: string | null; tags?: string[] | null }): Promise<MediaRecord | undefined>;
  /**
   * Removes the record and gives back what it held (a pending file's reservation: a cancel), once;
   * returns what was removed, or undefined when there was nothing (or only an expired pending record).
   */
  remove(userId: string, fileId: string): Promise<MediaRecord | undefined>;
  usage(userId: string, now: number): Promise<Usage>;
}

/** A share link as kept: the SHA-256 of its token (the lookup key), never the token itself. */
export interface ShareRecord {
  shareId: string;
  userId: string;
  fileId: string;
  tokenHash: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; the link opens strictly before this. */
  expiresAt: number;
}

export interface ShareRepository {
  /** Stores a new link: the owner's item first, then the public lookup, so no link works that its owner cannot see and revoke. */
  create(share: ShareRecord): Promise<void>;
  /** The file's links that have not expired at `now`, oldest first. */
  listForFile(userId: string, fileId: string, now: number): Promise<ShareRecord[]>;
  /** The link a token hash opens, expired or not (the caller decides); undefined when unknown or revoked. */
  findByTokenHash(tokenHash: string): Promise<ShareRecord | undefined>;
  /** Ends one link of the owner's file (the lookup first); nothing to do when there is no such link. */
  revoke(userId: string, fileId: string, shareId: string): Promise<void>;
  /** Ends every link of a file, expired ones included (the file is being deleted). */
  revokeAllForFile(userId: string, fileId: string): Promise<void>;
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
  eTag?: string;
  /** The owner's file name stored with the object at upload (absent on objects uploaded before it was). */
  fileName?: string;
}

/** One object of a listing. */
export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectListPage {
  objects: StoredObject[];
  /** Pass back as `continuation` for the next page; absent on the last page. */
  next?: string;
}

export interface ObjectStorage {
  /**
   * `fileName`, when given, is stored with the object as user metadata and bound by the policy exactly,
   * so the bucket alone can tell the name again (see object-metadata.ts).
   */
  presignPost(input: { key: string; contentType: string; maxBytes: number; expiresSeconds: number; fileName?: string }): Promise<PresignedPost>;
  presignGet(input: { key: string; expiresSeconds: number; disposition?: string; contentType?: string }): Promise<string>;
  head(key: string): Promise<ObjectHead | undefined>;
  /** Bytes `start`..`endInclusive` of the object, cut at its end; undefined when the object does not exist. */
  readRange(key: string, start: number, endInclusive: number): Promise<Buffer | undefined>;
  /** The object's bytes from `start` (default 0) to its end, as a stream; undefined when it does not exist. */
  openRead(key: string, start?: number): Promise<Readable | undefined>;
  /** Writes a derived object (a thumbnail). Only ever under derived/, which does not notify the queue. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  remove(keys: string[]): Promise<void>;
  removePrefix(prefix: string): Promise<void>;
  /** One page of the objects under `prefix`, in key order (S3's ListObjectsV2). */
  list(input: { prefix: string; continuation?: string; limit?: number }): Promise<ObjectListPage>;
}

/** A presigned PUT: the client sends the file as the body, with exactly these headers (they are signed). */
export interface PresignedPut {
  url: string;
  headers: Record<string, string>;
}

/** One part of a multipart upload as the storage holds it. */
export interface StoredPart {
  partNumber: number;
  /** As the storage answered it, quotes included. */
  eTag: string;
  size: number;
}

/** An unfinished multipart upload in the bucket. */
export interface UnfinishedUpload {
  key: string;
  uploadId: string;
  /** Epoch milliseconds. */
  initiated: number;
}

/**
 * The uploads that are not one POST: a presigned PUT (mobile background transfers) and S3 multipart
 * uploads. "gone" answers mean the upload was completed or aborted (S3's NoSuchUpload).
 */
export interface UploadStorage {
  /** A PUT that binds the key, Content-Type, the exact Content-Length and the SHA-256 the client declared. */
  presignPut(input: { key: string; contentType: string; size: number; checksumSha256: string; expiresSeconds: number; fileName?: string }): Promise<PresignedPut>;
  /** Creates the multipart upload (key, type and the name metadata fixed here); returns its upload ID. */
  createMultipart(input: { key: string; contentType: string; fileName?: string }): Promise<string>;
  /** A presigned UploadPart URL binding the part's exact length. */
  presignPart(input: { key: string; uploadId: string; partNumber: number; size: number; expiresSeconds: number }): Promise<string>;
  listParts(input: { key: string; uploadId: string }): Promise<StoredPart[] | "gone">;
  completeMultipart(input: { key: string; uploadId: string; parts: ReadonlyArray<{ partNumber: number; eTag: string }> }): Promise<"completed" | "gone">;
  /** Removes the upload and its parts; nothing to do when it is already gone. */
  abortMultipart(input: { key: string; uploadId: string }): Promise<void>;
  /** Every unfinished upload under `prefix`. */
  listUnfinished(prefix: string): Promise<UnfinishedUpload[]>;
}

/** The object being inspected disappeared meanwhile (deleted by its owner): nothing left to index. */
export class ObjectGoneError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} no longer exists`);
    this.name = "ObjectGoneError";
  }
}

export interface InspectInput {
  /** The canonical type the upload declared (and its policy bound). */
  declaredType: string;
  /** The stored object's size. */
  size: number;
  /** The object's first bytes (up to the first HEAD_BYTES), already read for sniffing. */
  head: Buffer;
  /** Bytes `start`..`endInclusive` (cut at the end). Throws ObjectGoneError when the object is gone. */
  read(start: number, endInclusive: number): Promise<Buffer>;
  /** The whole object as a stream: the head, then the rest read on demand. Throws ObjectGoneError when gone. */
  open(): Promise<Readable>;
}

export interface Thumbnail {
  bytes: Buffer;
  contentType: string;
}

export type Inspection =
  | { ok: true; metadata: MediaMetadata; thumbnail?: Thumbnail }
  | { ok: false; reason: string };

/**
 * Knows a file for what it is, from its content alone. A file that is not what it was declared as, is not
 * an allowed type, or cannot be decoded resolves `{ ok: false, reason }`: that is permanent, and the reason
 * is shown to the file's owner. A failure of anything else (storage, memory) throws, so the message is
 * retried and, if it keeps failing, lands in the dead-letter queue.
 */
export interface MediaInspector {
  inspect(input: InspectInput): Promise<Inspection>;
}

export interface EventPublisher {
  publish(event: MediaEvent): Promise<void>;
}

export interface Clock {
  now(): number;
}

export type { FileUrls };
