import type { MediaKind } from "./media-types";

export type MediaStatus = "pending" | "ready" | "rejected";

/**
 * What the indexer learned from a file's content (never from what the client declared). Images: width and
 * height as displayed (EXIF rotation applied), the decoder's format name, the EXIF orientation (1-8),
 * when and with what camera it was taken. Audio: the stream's facts and its tags.
 */
export interface MediaMetadata {
  width?: number;
  height?: number;
  /** The decoder's name for the content: `jpeg`, `png`, `gif`, `webp`, `heif` for images; `mpeg`, `flac`… for audio. */
  format?: string;
  /** EXIF orientation, 1 (upright) to 8; width and height are already swapped for 5-8. */
  orientation?: number;
  /** EXIF DateTimeOriginal as ISO 8601: with its offset when the file records one, else as local time without a zone. */
  takenAt?: string;
  cameraMake?: string;
  cameraModel?: string;
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
  /**
   * What identifies the stored object this record describes: its eTag (without quotes) and the sequencer
   * of the S3 event the indexer handled for it. Set by the indexer; a later object at the same key (the
   * upload policy stays valid for its whole window) is told apart by them and inspected in its turn.
   */
  sequencer?: string;
  eTag?: string;
  /** The size the upload declared (its policy's upper bound), kept once `size` holds the stored size. */
  declaredSize?: number;
  /**
   * The event the file's last transition owes its subscribers, written in the same transaction as the
   * transition and cleared by the one delivery that announces it (the repository's `settle`): a
   * delivery that dies in between leaves it for the redelivery, and a replacement waits until it is
   * gone, so record, thumbnail and events follow one history.
   */
  announcement?: "media.ready" | "media.rejected";
  /**
   * A pending multipart upload's S3 upload ID and part size (multipart.ts): kept by the service, so a
   * client names only its fileId and can never send parts to another upload.
   */
  multipartUploadId?: string;
  partSize?: number;
  /** What the renditions function made of the object this record describes (renditions/render.ts). */
  renditions?: RenditionState;
}

/**
 * The renditions made of one version of an original, written by the renditions function after the file
 * is ready. `eTag` names that version: after a replacement the state describes the old object until the
 * new one's renditions are made, and is not served meanwhile.
 */
export interface RenditionState {
  /** "ready": everything planned was made; "failed": some or all could not be, `reason` says why. */
  status: "ready" | "failed";
  eTag?: string;
  streamKey?: string;
  previewKey?: string;
  waveformKey?: string;
  /** Bytes of the derived objects, for the record: they are not counted against the owner's quota. */
  bytes: number;
  reason?: string;
  /** ISO time they were made. */
  at: string;
}

/** The renditions of the object the record describes now; those of a replaced version are not served. */
export function currentRenditions(record: Pick<MediaRecord, "eTag" | "renditions">): RenditionState | undefined {
  return record.renditions && record.renditions.eTag === record.eTag ? record.renditions : undefined;
}

/** The rendition status a client sees: "pending" until made, "none" when the file needs none. */
export type RenditionStatus = "pending" | "ready" | "failed" | "none";

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
  /** Presigned GETs of the renditions that exist (see RenditionState). */
  streamUrl?: string;
  previewUrl?: string;
  waveformUrl?: string;
  renditions?: { status: RenditionStatus; reason?: string };
  metadata: MediaMetadata;
  description?: string;
  tags?: string[];
  rejectionReason?: string;
}

export interface FileUrls {
  fileUrl?: string;
  downloadUrl?: string;
  thumbnailUrl?: string;
  streamUrl?: string;
  previewUrl?: string;
  waveformUrl?: string;
}

export function toFileView(record: MediaRecord, urls: FileUrls, renditions?: FileView["renditions"]): FileView {
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
  if (renditions !== undefined) view.renditions = renditions;
  return view;
}
