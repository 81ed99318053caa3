import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException, GetObjectCommand } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ObjectHead, ObjectStorage, PresignedPost } from "@media/core/ports";

/**
 * S3 client options for presigning. SDK v3 (3.729+) adds flexible checksums to presigned requests by
 * default, which browsers then fail to satisfy (aws-sdk-js-v3#6994): only compute them when required.
 */
export function s3ClientOptions(region: string, forcePathStyle: boolean) {
  return {
    region,
    forcePathStyle,
    requestChecksumCalculation: "WHEN_REQUIRED" as const,
    responseChecksumValidation: "WHEN_REQUIRED" as const,
  };
}

export function createS3ObjectStorage({ client, bucket }: { client: S3Client; bucket: string }): ObjectStorage {
  return {
    async presignPost({ key, contentType, maxBytes, expiresSeconds }): Promise<PresignedPost> {
      // createPresignedPost adds the bucket, the exact key and the x-amz-* conditions itself; we bind the
      // exact type and the size range, so S3 refuses any other object than the one announced.
      const { url, fields } = await createPresignedPost(client, {
        Bucket: bucket,
        Key: key,
        Conditions: [["content-length-range", 1, maxBytes], { "Content-Type": contentType }],
        Fields: { "Content-Type": contentType },
        Expires: expiresSeconds,
      });
      return { url, fields };
    },

    async presignGet({ key, expiresSeconds, disposition, contentType }): Promise<string> {
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(disposition ? { ResponseContentDisposition: disposition } : {}),
        ...(contentType ? { ResponseContentType: contentType } : {}),
      });
      return getSignedUrl(client, command, { expiresIn: expiresSeconds });
    },

    async head(key: string): Promise<ObjectHead | undefined> {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        const head: ObjectHead = { size: out.ContentLength ?? 0 };
        if (out.ContentType) head.contentType = out.ContentType;
        if (out.ETag) head.eTag = out.ETag;
        return head;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async remove(keys: string[]): Promise<void> {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const out = await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        const failed = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
        if (failed.length > 0) throw new Error(`could not delete ${failed.length} object(s): ${failed[0]?.Code}`);
      }
    },

    async removePrefix(prefix: string): Promise<void> {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
        if (keys.length > 0) await this.remove(keys);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === "NotFound" || error.name === "NoSuchKey" || error.$metadata?.httpStatusCode === 404);
}
