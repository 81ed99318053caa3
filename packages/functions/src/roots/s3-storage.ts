import type { ObjectStorage, UploadStorage } from "@media/core/ports";
import { createS3ObjectStorage } from "../adapters/s3-object-storage";
import type { FunctionsConfig } from "../config";
import { s3Client } from "./clients/s3";

/** The media bucket on S3, wired one way for every root (media-store.ts, and on demand storage-on-first-use.ts). */
export function buildS3Storage(cfg: FunctionsConfig): ObjectStorage & UploadStorage {
  return createS3ObjectStorage({ client: s3Client(cfg.region, cfg.s3ForcePathStyle), bucket: cfg.bucketName });
}
