import { Readable } from "node:stream";
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { decodeMetadataValue, encodeMetadataValue, FILE_NAME_FIELD, FILE_NAME_METADATA } from "@media/core/object-metadata";
import type { ObjectHead, ObjectListPage, ObjectStorage, PresignedPost, UploadStorage } from "@media/core/ports";
import { createGetObjectPresigner } from "./s3-get-presigner";
import { createS3UploadStorage } from "./s3-upload-storage";

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

export function createS3ObjectStorage({ client, bucket }: { client: S3Client; bucket: string }): ObjectStorage & UploadStorage {
  // Built once: a listing page signs 100-150 GET URLs, see s3-get-presigner.ts.
  const presignGetObject = createGetObjectPresigner(client, bucket);
  return {
    ...createS3UploadStorage({ client, bucket }),
    async presignPost({ key, contentType, maxBytes, expiresSeconds, fileName }): Promise<PresignedPost> {
      // createPresignedPost adds the bucket, the exact key and the x-amz-* conditions itself; we bind the
      // exact type and the size range, so S3 refuses any other object than the one announced.
      const { url, fields } = await createPresignedPost(client, {
        Bucket: bucket,
        Key: key,
        Conditions: [["content-length-range", 1, maxBytes], { "Content-Type": contentType }, ...fileNameConditions(fileName)],
        Fields: { "Content-Type": contentType, ...fileNameFields(fileName) },
        Expires: expiresSeconds,
      });
      return { url, fields };
    },

    async presignGet({ key, expiresSeconds, disposition, contentType }): Promise<string> {
      return presignGetObject({ key, expiresSeconds, ...(disposition ? { disposition } : {}), ...(contentType ? { contentType } : {}) });
    },

    async head(key: string): Promise<ObjectHead | undefined> {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        const head: ObjectHead = { size: out.ContentLength ?? 0 };
        if (out.ContentType) head.contentType = out.ContentType;
        if (out.ETag) head.eTag = out.ETag;
        // The SDK hands user metadata back with the x-amz-meta- prefix removed and names lower-cased.
        const fileName = decodeMetadataValue(out.Metadata?.[FILE_NAME_METADATA]);
        if (fileName) head.fileName = fileName;
        return head;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async readRange(key: string, start: number, endInclusive: number): Promise<Buffer | undefined> {
      if (endInclusive < start) return Buffer.alloc(0);
      const body = await getBody(client, bucket, key, `bytes=${start}-${endInclusive}`);
      if (body === "missing") return undefined;
      if (body === "empty") return Buffer.alloc(0);
      // S3 cuts a range that runs past the end at the end.
      return Buffer.from(await body.transformToByteArray());
    },

    async openRead(key: string, start = 0): Promise<Readable | undefined> {
      const body = await getBody(client, bucket, key, start > 0 ? `bytes=${start}-` : undefined);
      if (body === "missing") return undefined;
      if (body === "empty") return Readable.from([]);
      // On Node the SDK's body is an http.IncomingMessage: a Readable that streams as it is consumed.
      return body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as never);
    },

    async put(key: string, body: Buffer, contentType: string): Promise<void> {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length }));
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

    async list({ prefix, continuation, limit }): Promise<ObjectListPage> {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(continuation ? { ContinuationToken: continuation } : {}), ...(limit ? { MaxKeys: limit } : {}) }),
      );
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, size: o.Size ?? 0 }] : []));
      return page.IsTruncated && page.NextContinuationToken ? { objects, next: page.NextContinuationToken } : { objects };
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

/**
 * The file name as user metadata: a form field with the encoded name and an exact `eq` condition on it,
 * so the client can neither change nor drop it (S3 refuses a form whose fields break a condition).
 */
function fileNameFields(fileName: string | undefined): Record<string, string> {
  return fileName === undefined ? {} : { [FILE_NAME_FIELD]: encodeMetadataValue(fileName) };
}

function fileNameConditions(fileName: string | undefined): Array<["eq", string, string]> {
  return fileName === undefined ? [] : [["eq", `$${FILE_NAME_FIELD}`, encodeMetadataValue(fileName)]];
}

type Body = NonNullable<GetObjectCommandOutput["Body"]>;

/**
 * GetObject's body; "missing" when the object does not exist, "empty" when the range starts past its end
 * (S3 answers 416 InvalidRange: the object is shorter than the caller thought, e.g. replaced meanwhile).
 */
async function getBody(client: S3Client, bucket: string, key: string, range: string | undefined): Promise<Body | "missing" | "empty"> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
    return out.Body ?? "empty";
  } catch (error) {
    if (isNotFound(error)) return "missing";
    if (error instanceof S3ServiceException && (error.name === "InvalidRange" || error.$metadata?.httpStatusCode === 416)) return "empty";
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === "NotFound" || error.name === "NoSuchKey" || error.$metadata?.httpStatusCode === 404);
}
