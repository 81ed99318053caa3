import { tmpdir } from "node:os";
import type { ImagePreviewer, RenditionDeps } from "@media/core/renditions/ports";
import { createDynamoMediaRepository } from "../adapters/dynamo-media-repository";
import { renditionRecords } from "../adapters/dynamo-media/rendition-records";
import { createS3ObjectStorage } from "../adapters/s3-object-storage";
import { createS3RenditionFiles } from "../adapters/s3-rendition-files";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { createAudioRenderer } from "../renditions/audio-renderer";
import { documentClients } from "./clients/dynamo-documents";
import { s3Client } from "./clients/s3";
import { topicOnFirstUse } from "./media-events";
import { onFirstUse } from "./on-first-use";

/**
 * The renditions function's composition root: only what it uses (the table, the bucket, the media-events
 * topic, ffmpeg and sharp), so its bundle carries no Cognito, and the API's bundles carry none of this.
 */
export function buildRenditionDeps(cfg: FunctionsConfig): RenditionDeps {
  const { documents, writer } = documentClients(cfg.region);
  const s3 = s3Client(cfg.region, cfg.s3ForcePathStyle);
  const storage = createS3ObjectStorage({ client: s3, bucket: cfg.bucketName });
  const scratchDir = cfg.scratchDir ?? tmpdir();
  return {
    repo: createDynamoMediaRepository({ client: documents, writer, tableName: cfg.tableName }),
    records: renditionRecords({ client: documents, tableName: cfg.tableName }),
    storage,
    files: createS3RenditionFiles({ client: s3, bucket: cfg.bucketName, storage, scratchDir }),
    audio: createAudioRenderer({ scratchDir }),
    images: imagePreviewerOnFirstUse(),
    events: topicOnFirstUse(cfg).media,
    clock: clock(),
  };
}

/**
 * The image previewer, loaded (sharp and its native libvips) when the first picture is to be previewed:
 * an audio file's waveform needs only ffmpeg, and a cold start that renders audio skips sharp.
 */
function imagePreviewerOnFirstUse(): ImagePreviewer {
  const previewer = onFirstUse<ImagePreviewer>(() => import("../renditions/image-previewer").then((m) => m.createImagePreviewer()));
  return { preview: async (input) => (await previewer()).preview(input) };
}

let cached: RenditionDeps | undefined;

export function renditionDeps(): RenditionDeps {
  cached ??= buildRenditionDeps(config());
  return cached;
}
