import type { MediaMetadata, MediaRecord, MediaStatus, RenditionState } from "@media/core/media-record";
import type { MediaKind } from "@media/core/media-types";
import { TABLE, keysFor } from "@media/core/table";
import type { Item } from "../dynamo-calls";
import { definedOnly } from "./expressions";

/**
 * How a file record, its pending-upload marker and a user's usage counters are laid out in their items
 * (the table's items: core/table.ts). The only place that knows attribute names.
 */
export const ATTR = {
  status: "status",
  size: "size",
  eTag: "eTag",
  sequencer: "sequencer",
  /** A pending record's expiry (epoch seconds). Not the table's TTL attribute: see TABLE. */
  pendingUntil: "pendingUntil",
  announcement: "announcement",
  fileNameLower: "fileNameLower",
  // The usage item's counters.
  files: "files",
  bytes: "bytes",
  /** bytes + every reservation not yet given back: the quota condition compares this one attribute. */
  committed: "committed",
  pendingUploads: "pendingUploads",
  /** Incremented by every transaction that moves a counter, so a recount can tell that nothing moved. */
  rev: "rev",
} as const;

export type Key = { [TABLE.partitionKey]: string; [TABLE.sortKey]: string };

export const fileKey = (userId: string, fileId: string): Key => ({ [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.file(fileId) });
export const usageKey = (userId: string): Key => ({ [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage });
export const markerKey = (userId: string, untilSeconds: number, fileId: string): Key => ({
  [TABLE.partitionKey]: keysFor.userPartition(userId),
  [TABLE.sortKey]: keysFor.pendingUpload(untilSeconds, fileId),
});

// Every fileId is a ULID in Crockford base32 (0-9, A-Z); sort keys compare as UTF-8 bytes, so "FILE#~"
// sorts after every file and before nothing else of a user's partition that starts with FILE#.
export const FILE_SK_LOW = keysFor.file("");
export const FILE_SK_HIGH = keysFor.file("~");

/** A record's item attribute for each of its fields; all the same name but the pending expiry. */
const ITEM_NAME: Partial<Record<keyof MediaRecord, string>> = { expiresAt: ATTR.pendingUntil };
export const itemAttribute = (field: keyof MediaRecord): string => ITEM_NAME[field] ?? field;

export function toItem(record: MediaRecord): Item {
  return definedOnly({
    ...fileKey(record.userId, record.fileId),
    [TABLE.byKindIndex.partitionKey]: keysFor.kindPartition(record.userId, record.kind),
    [TABLE.byKindIndex.sortKey]: keysFor.file(record.fileId),
    userId: record.userId,
    fileId: record.fileId,
    fileName: record.fileName,
    [ATTR.fileNameLower]: record.fileName.toLowerCase(),
    contentType: record.contentType,
    kind: record.kind,
    size: record.size,
    status: record.status,
    uploadedAt: record.uploadedAt,
    metadata: definedOnly(record.metadata),
    description: record.description,
    tags: record.tags,
    thumbnailKey: record.thumbnailKey,
    rejectionReason: record.rejectionReason,
    [ATTR.pendingUntil]: record.expiresAt,
    sequencer: record.sequencer,
    eTag: record.eTag,
    declaredSize: record.declaredSize,
    announcement: record.announcement,
    multipartUploadId: record.multipartUploadId,
    partSize: record.partSize,
    renditions: record.renditions ? definedOnly({ ...record.renditions }) : undefined,
  });
}

/**
 * The fields of a MediaRecord, the only attributes recordFromItem reads (and list projects): keys,
 * index keys and the search column stay in the table. A field added to MediaRecord must be added here
 * too, or list would drop it: the type check below fails until it is.
 */
const RECORD_FIELDS = [
  "userId",
  "fileId",
  "fileName",
  "contentType",
  "kind",
  "size",
  "status",
  "uploadedAt",
  "metadata",
  "description",
  "tags",
  "thumbnailKey",
  "rejectionReason",
  "expiresAt",
  "sequencer",
  "eTag",
  "declaredSize",
  "announcement",
  "multipartUploadId",
  "partSize",
  "renditions",
] as const satisfies readonly (keyof MediaRecord)[];
type UnlistedField = Exclude<keyof MediaRecord, (typeof RECORD_FIELDS)[number]>;
const everyFieldListed: [UnlistedField] extends [never] ? true : UnlistedField = true;
void everyFieldListed;

export const RECORD_ATTRIBUTES: readonly string[] = RECORD_FIELDS.map(itemAttribute);

export function recordFromItem(item: Item): MediaRecord {
  const record: MediaRecord = {
    userId: String(item.userId),
    fileId: String(item.fileId),
    fileName: String(item.fileName),
    contentType: String(item.contentType),
    kind: item.kind as MediaKind,
    size: Number(item.size),
    status: item.status as MediaStatus,
    uploadedAt: String(item.uploadedAt),
    metadata: (item.metadata ?? {}) as MediaMetadata,
  };
  if (typeof item.description === "string") record.description = item.description;
  if (Array.isArray(item.tags)) record.tags = item.tags.map(String);
  if (typeof item.thumbnailKey === "string") record.thumbnailKey = item.thumbnailKey;
  if (typeof item.rejectionReason === "string") record.rejectionReason = item.rejectionReason;
  if (typeof item[ATTR.pendingUntil] === "number") record.expiresAt = item[ATTR.pendingUntil];
  if (typeof item.sequencer === "string") record.sequencer = item.sequencer;
  if (typeof item.eTag === "string") record.eTag = item.eTag;
  if (typeof item.declaredSize === "number") record.declaredSize = item.declaredSize;
  if (item.announcement === "media.ready" || item.announcement === "media.rejected") record.announcement = item.announcement;
  if (typeof item.multipartUploadId === "string") record.multipartUploadId = item.multipartUploadId;
  if (typeof item.partSize === "number") record.partSize = item.partSize;
  const renditions = renditionsFromItem(item.renditions);
  if (renditions) record.renditions = renditions;
  return record;
}

function renditionsFromItem(value: unknown): RenditionState | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.status !== "ready" && v.status !== "failed") return undefined;
  const state: RenditionState = { status: v.status, bytes: Number(v.bytes ?? 0), at: String(v.at ?? "") };
  for (const field of ["eTag", "streamKey", "previewKey", "waveformKey", "reason"] as const) {
    if (typeof v[field] === "string") state[field] = v[field];
  }
  return state;
}

/** A pending upload's marker: enough to release its reservation without reading its record. */
export interface PendingMarker {
  userId: string;
  fileId: string;
  until: number;
  size: number;
}

export function markerItem(marker: PendingMarker): Item {
  return { ...markerKey(marker.userId, marker.until, marker.fileId), userId: marker.userId, fileId: marker.fileId, [ATTR.pendingUntil]: marker.until, size: marker.size };
}

export function markerFromItem(item: Item): PendingMarker {
  return { userId: String(item.userId), fileId: String(item.fileId), until: Number(item[ATTR.pendingUntil]), size: Number(item.size) };
}

export function markerOf(record: MediaRecord): PendingMarker {
  if (record.status !== "pending" || record.expiresAt === undefined) throw new Error(`the record of ${record.fileId} is not a pending upload with an expiry`);
  return { userId: record.userId, fileId: record.fileId, until: record.expiresAt, size: record.size };
}

export interface UsageCounters {
  files: number;
  bytes: number;
  committed: number;
  pendingUploads: number;
  rev: number;
}

export function usageFromItem(item: Item | undefined): UsageCounters {
  return {
    files: Number(item?.[ATTR.files] ?? 0),
    bytes: Number(item?.[ATTR.bytes] ?? 0),
    committed: Number(item?.[ATTR.committed] ?? 0),
    pendingUploads: Number(item?.[ATTR.pendingUploads] ?? 0),
    rev: Number(item?.[ATTR.rev] ?? 0),
  };
}

/** A pending record whose upload window (plus grace) has passed: treated as absent by every read. */
export function isExpired(record: MediaRecord, now: number): boolean {
  return record.status === "pending" && record.expiresAt !== undefined && record.expiresAt * 1000 < now;
}
