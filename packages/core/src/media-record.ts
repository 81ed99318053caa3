import type { MediaKind } from "./media-types";

export type MediaStatus = "pending" | "ready" | "rejected";

export interface MediaMetadata {
  width?: number;
  height?: number;
  durationSeconds?: number;
  bitrate?: number;
  sampleRate?: number;
  channels?: number;
  codec?: string;
  title?: string;
  artist?: string;
  album?: string;
}

/** What the table holds for one uploaded (or announced) file. */
export interface MediaRecord {
  userId: string;
  fileId: string;
  fileName: string;
  contentType: string;
  kind: MediaKind;
  /** Declared size while pending, the stored object's size once ready. */
  size: number;
  status: MediaStatus;
  uploadedAt: string;
  metadata: MediaMetadata;
  description?: string;
  tags?: string[];
  thumbnailKey?: string;
  rejectionReason?: string;
  /** Epoch seconds after which a pending record is dead (also the table's TTL attribute). */
  expiresAt?: number;
  /** The S3 event sequencer of the object version this record describes. */
  sequencer?: string;
}

/** The `File` of the HTTP contract. */
export interface FileView {
  fileId: string;
  fileName: string;
  contentType: string;
  size: number;
  status: MediaStatus;
  uploadedAt: string;
  fileUrl?: string;
  downloadUrl?: string;
  thumbnailUrl?: string;
  metadata: MediaMetadata;
  description?: string;
  tags?: string[];
  rejectionReason?: string;
}

export interface FileUrls {
  fileUrl?: string;
  downloadUrl?: string;
  thumbnailUrl?: string;
}

export function toFileView(record: MediaRecord, urls: FileUrls): FileView {
  const view: FileView = {
    fileId: record.fileId,
    fileName: record.fileName,
    contentType: record.contentType,
    size: record.size,
    status: record.status,
    uploadedAt: record.uploadedAt,
    metadata: record.metadata,
    ...urls,
  };
  if (record.description !== undefined) view.description = record.description;
  if (record.tags !== undefined) view.tags = record.tags;
  if (record.rejectionReason !== undefined) view.rejectionReason = record.rejectionReason;
  return view;
}
