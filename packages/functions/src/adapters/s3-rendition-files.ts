import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectStorage } from "@media/core/ports";
import type { LocalFile, RenditionFiles } from "@media/core/renditions/ports";

/**
 * Originals copied to local disk for the encoders, renditions streamed back from it: neither is ever
 * held in memory whole. The copy goes through the SDK (TLS checked by Node) rather than handing ffmpeg a
 * presigned URL: the 2018 static ffmpeg does not verify certificates.
 */
export function createS3RenditionFiles({ client, bucket, storage, scratchDir }: { client: S3Client; bucket: string; storage: Pick<ObjectStorage, "openRead">; scratchDir: string }): RenditionFiles {
  return {
    async download(key): Promise<LocalFile | undefined> {
      const body = await storage.openRead(key);
      if (!body) return undefined;
      const dir = await mkdtemp(join(scratchDir, "original-"));
      const path = join(dir, "original");
      const dispose = () => rm(dir, { recursive: true, force: true });
      try {
        await pipeline(body, createWriteStream(path));
        return { path, bytes: (await stat(path)).size, dispose };
      } catch (error) {
        await dispose();
        throw error;
      }
    },

    async upload(key, file, contentType): Promise<void> {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file.path), ContentType: contentType, ContentLength: file.bytes }));
    },
  };
}
