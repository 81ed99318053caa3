import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RenditionDeps } from "@media/core/renditions/ports";
import { createDynamoMediaRepository } from "./adapters/dynamo-media-repository";
import { renditionRecords } from "./adapters/dynamo-media/rendition-records";
import { createS3ObjectStorage, s3ClientOptions } from "./adapters/s3-object-storage";
import { createS3RenditionFiles } from "./adapters/s3-rendition-files";
import { config } from "./config";
import { clientCredentials } from "./credentials";
import { createAudioRenderer } from "./renditions/audio-renderer";
import { createImagePreviewer } from "./renditions/image-previewer";
import { traced } from "./tracing";

/**
 * The renditions function's composition root: only what it uses (the table, the bucket, ffmpeg and
 * sharp), so its bundle carries neither Cognito nor SNS, and the API's bundles carry none of this.
 */
let cached: RenditionDeps | undefined;

export function renditionDeps(): RenditionDeps {
  if (cached) return cached;
  const cfg = config();
  const credentials = clientCredentials();
  const client = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ region: cfg.region, ...credentials })), { marshallOptions: { removeUndefinedValues: true } });
  const s3 = traced(new S3Client({ ...s3ClientOptions(cfg.region, cfg.s3ForcePathStyle), ...credentials }));
  const storage = createS3ObjectStorage({ client: s3, bucket: cfg.bucketName });
  cached = {
    repo: createDynamoMediaRepository({ client, tableName: cfg.tableName }),
    records: renditionRecords({ client, tableName: cfg.tableName }),
    storage,
    files: createS3RenditionFiles({ client: s3, bucket: cfg.bucketName, storage }),
    audio: createAudioRenderer(),
    images: createImagePreviewer(),
    clock: { now: () => Date.now() },
  };
  return cached;
}
