import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { encodeMetadataValue, FILE_NAME_METADATA } from "@media/core/object-metadata";
import type { PresignedPut, StoredPart, UnfinishedUpload, UploadStorage } from "@media/core/ports";

/**
 * The presigned PUT and the multipart calls on S3. What a URL binds is signed into it: the PUT's
 * Content-Type, exact Content-Length, the declared x-amz-checksum-sha256 and the name metadata; a part's
 * exact Content-Length. Signed headers are kept as headers (`unhoistableHeaders`), never moved into the
 * query, where S3 would not check a checksum against the body.
 */
export function createS3UploadStorage({ client, bucket }: { client: S3Client; bucket: string }): UploadStorage {
  return {
    async presignPut({ key, contentType, size, checksumSha256, expiresSeconds, fileName }): Promise<PresignedPut> {
      const metadata = fileName === undefined ? undefined : { [FILE_NAME_METADATA]: encodeMetadataValue(fileName) };
      const headers: Record<string, string> = { "content-type": contentType, "x-amz-checksum-sha256": checksumSha256 };
      if (metadata) headers[`x-amz-meta-${FILE_NAME_METADATA}`] = metadata[FILE_NAME_METADATA]!;
      const url = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size, ChecksumSHA256: checksumSha256, ...(metadata ? { Metadata: metadata } : {}) }),
        { expiresIn: expiresSeconds, signableHeaders: new Set(["content-type", "content-length"]), unhoistableHeaders: new Set(Object.keys(headers).filter((h) => h.startsWith("x-amz-"))) },
      );
      // Content-Length is sent by every HTTP client from the body; it is listed so a client can see it is bound.
      return { url, headers: { ...headers, "content-length": String(size) } };
    },

    async createMultipart({ key, contentType, fileName }): Promise<string> {
      const out = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType, ...(fileName === undefined ? {} : { Metadata: { [FILE_NAME_METADATA]: encodeMetadataValue(fileName) } }) }),
      );
      if (!out.UploadId) throw new Error("CreateMultipartUpload answered without an UploadId");
      return out.UploadId;
    },

    presignPart({ key, uploadId, partNumber, size, expiresSeconds }): Promise<string> {
      return getSignedUrl(client, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: size }), {
        expiresIn: expiresSeconds,
        signableHeaders: new Set(["content-length"]),
      });
    },

    async listParts({ key, uploadId }): Promise<StoredPart[] | "gone"> {
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      try {
        do {
          const page = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }));
          for (const p of page.Parts ?? []) if (p.PartNumber !== undefined && p.ETag) parts.push({ partNumber: p.PartNumber, eTag: p.ETag, size: p.Size ?? 0 });
          marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
        } while (marker);
      } catch (error) {
        if (isNoSuchUpload(error)) return "gone";
        throw error;
      }
      return parts;
    },

    async completeMultipart({ key, uploadId, parts }): Promise<"completed" | "gone"> {
      try {
        await client.send(
          new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.eTag })) } }),
        );
        return "completed";
      } catch (error) {
        if (isNoSuchUpload(error)) return "gone";
        throw error;
      }
    },

    async abortMultipart({ key, uploadId }): Promise<void> {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if (!isNoSuchUpload(error)) throw error;
      }
    },

    async listUnfinished(prefix: string): Promise<UnfinishedUpload[]> {
      const uploads: UnfinishedUpload[] = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}) }),
        );
        for (const u of page.Uploads ?? []) if (u.Key && u.UploadId) uploads.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated?.getTime() ?? 0 });
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
      return uploads;
    },
  };
}

function isNoSuchUpload(error: unknown): boolean {
  return error instanceof Error && (error.name === "NoSuchUpload" || (error as { Code?: string }).Code === "NoSuchUpload");
}
