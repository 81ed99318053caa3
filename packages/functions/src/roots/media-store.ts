import type { ObjectStorage, UploadStorage } from "@media/core/ports";
import type { FunctionsConfig } from "../config";
import { buildMediaRecords, type MediaRecords } from "./media-records";
import { buildS3Storage } from "./s3-storage";

/**
 * A user's media as stored: the records on DynamoDB and the objects on S3, wired one way for every root
 * that reads or removes them at once. The roots that also announce media events take media.ts, which
 * adds SNS. A person's account as data (account-data.ts, account-export.ts) reaches S3 late in a
 * request, and takes the records (media-records.ts) and S3 on demand (storage-on-first-use.ts).
 */
export interface MediaStore extends MediaRecords {
  storage: ObjectStorage & UploadStorage;
}

export function buildMediaStore(cfg: FunctionsConfig): MediaStore {
  return { ...buildMediaRecords(cfg), storage: buildS3Storage(cfg) };
}
