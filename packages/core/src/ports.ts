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
  /** Bytes held by pending uploads that have not expired. */
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

export type ReadyResult = "updated" | "unchanged";

export interface MediaRepository {
  /**
   * Writes a pending record and reserves its declared size against the quota in one atomic step;
   * throws QuotaExceededError (with what is left) and writes nothing when it would not fit.
   */
  createPending(record: MediaRecord, quotaBytes: number, now: number): Promise<void>;
  get(userId: string, fileId: string): Promise<MediaRecord | undefined>;
  list(userId: string, query: ListQuery, now: number): Promise<ListPage>;
  /** pending → ready and the usage counted, once; a repeat returns "unchanged". */
  markReady(userId: string, fileId: string, facts: { size: number; metadata: MediaMetadata; thumbnailKey?: string; sequencer?: string }): Promise<ReadyResult>;
  /** pending → rejected and the reservation released, once. */
  markRejected(userId: string, fileId: string, reason: string): Promise<ReadyResult>;
  update(userId: string, fileId: string, patch: { fileName?: string; description?: string | null; tags?: string[] | null }): Promise<MediaRecord | undefined>;
  /** Removes the record and its usage; returns what was removed, or undefined when there was nothing. */
  remove(userId: string, fileId: string): Promise<MediaRecord | undefined>;
  usage(userId: string, now: number): Promise<Usage>;
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
  eTag?: string;
}

export interface ObjectStorage {
  presignPost(input: { key: string; contentType: string; maxBytes: number; expiresSeconds: number }): Promise<PresignedPost>;
  presignGet(input: { key: string; expiresSeconds: number; disposition?: string; contentType?: string }): Promise<string>;
  head(key: string): Promise<ObjectHead | undefined>;
  remove(keys: string[]): Promise<void>;
  removePrefix(prefix: string): Promise<void>;
}

export interface EventPublisher {
  publish(event: MediaEvent): Promise<void>;
}

export interface Clock {
  now(): number;
}

export type { FileUrls };
