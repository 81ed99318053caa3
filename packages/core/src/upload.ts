import { z } from "zod";
import { formatBytes } from "./byte-size";
import { PayloadTooLargeError } from "./errors";
import { acceptFileName } from "./file-name";
import { newFileId } from "./ids";
import { originalKey } from "./keys";
import { PENDING_GRACE_SECONDS, type Limits } from "./limits";
import type { MediaRecord } from "./media-record";
import { acceptContentType } from "./media-types";
import { MULTIPART_WINDOW_SECONDS, partPlan } from "./multipart";
import type { Clock, MediaRepository, ObjectStorage, UploadStorage } from "./ports";

/** A SHA-256 as the x-amz-checksum-sha256 header carries it: base64 of the 32-byte digest. */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

export const PresignUploadInput = z
  .object({
    fileName: z.string().min(1).max(1024),
    contentType: z.string().min(1).max(255),
    size: z.number().int().positive(),
    /**
     * post: a form POST (browsers, curl -F); put: the file as the body of one PUT (mobile background
     * transfers), integrity by the SHA-256 the client declares; multipart: parts, resumable.
     */
    method: z.enum(["post", "put", "multipart"]).default("post"),
    checksumSha256: z.string().regex(SHA256_BASE64, "checksumSha256 is the base64 of a SHA-256 digest (44 characters)").optional(),
  })
  .refine((input) => input.method !== "put" || input.checksumSha256 !== undefined, { message: "A PUT upload needs checksumSha256.", path: ["checksumSha256"] });
export type PresignUploadInput = z.input<typeof PresignUploadInput>;

interface UploadAnswer {
  message: string;
  fileId: string;
  key: string;
  maxBytes: number;
}

export type PostUploadResult = UploadAnswer & { upload: { url: string; fields: Record<string, string>; expiresAt: string } };
export type PresignUploadResult =
  | PostUploadResult
  | (UploadAnswer & { upload: { method: "PUT"; url: string; headers: Record<string, string>; expiresAt: string } })
  | (UploadAnswer & { multipart: { uploadId: string; partSize: number; partCount: number; expiresAt: string } });

export interface UploadDeps {
  repo: MediaRepository;
  storage: ObjectStorage & UploadStorage;
  clock: Clock;
  limits: Limits;
}

/**
 * Hands out one upload of exactly one object: the key under the user's prefix, the normalised
 * Content-Type, at most the declared size, a limited window. A POST policy or PUT is signed; a multipart
 * upload is created in the storage first. The pending record (with its quota reservation) is written
 * last, so a refusal at any step leaves nothing behind (a multipart upload it refused is aborted).
 */
export async function presignUpload(deps: UploadDeps, userId: string, input: PresignUploadInput & { method?: "post" }): Promise<PostUploadResult>;
export async function presignUpload(deps: UploadDeps, userId: string, input: PresignUploadInput): Promise<PresignUploadResult>;
export async function presignUpload(deps: UploadDeps, userId: string, rawInput: PresignUploadInput): Promise<PresignUploadResult> {
  const input = PresignUploadInput.parse(rawInput);
  const fileName = acceptFileName(input.fileName);
  const { contentType, kind } = acceptContentType(input.contentType);
  if (input.size > deps.limits.maxFileBytes) {
    throw new PayloadTooLargeError(`Files may be at most ${formatBytes(deps.limits.maxFileBytes)}.`, {
      code: "FileTooLarge",
      details: { maxFileBytes: deps.limits.maxFileBytes },
    });
  }
  const now = deps.clock.now();
  const fileId = newFileId(now);
  const key = originalKey(userId, fileId);
  const windowSeconds = input.method === "multipart" ? MULTIPART_WINDOW_SECONDS : deps.limits.uploadExpiresSeconds;
  const expiresAt = new Date(now + windowSeconds * 1000).toISOString();
  const record: MediaRecord = {
    userId,
    fileId,
    fileName,
    contentType,
    kind,
    size: input.size,
    status: "pending",
    uploadedAt: new Date(now).toISOString(),
    metadata: {},
    expiresAt: Math.ceil(now / 1000) + windowSeconds + PENDING_GRACE_SECONDS,
  };
  const answer = { fileId, key, maxBytes: input.size };

  if (input.method === "multipart") {
    const plan = partPlan(input.size);
    const uploadId = await deps.storage.createMultipart({ key, contentType, fileName });
    try {
      await deps.repo.createPending({ ...record, multipartUploadId: uploadId, partSize: plan.partSize }, deps.limits.quotaBytes, now);
    } catch (error) {
      await deps.storage.abortMultipart({ key, uploadId }).catch(() => undefined); // the sweep aborts what this could not
      throw error;
    }
    return {
      message: "Multipart upload created. Ask POST /files/{fileId}/parts for part URLs, PUT each part, then POST /files/{fileId}/complete.",
      ...answer,
      multipart: { uploadId, ...plan, expiresAt },
    };
  }
  if (input.method === "put") {
    const put = await deps.storage.presignPut({ key, contentType, size: input.size, checksumSha256: input.checksumSha256!, expiresSeconds: windowSeconds, fileName });
    await deps.repo.createPending(record, deps.limits.quotaBytes, now);
    return { message: "Upload authorised. PUT the file to upload.url with exactly upload.headers.", ...answer, upload: { method: "PUT", ...put, expiresAt } };
  }
  const upload = await deps.storage.presignPost({ key, contentType, maxBytes: input.size, expiresSeconds: windowSeconds, fileName });
  await deps.repo.createPending(record, deps.limits.quotaBytes, now);
  return {
    message: "Upload authorised. POST the file to upload.url with every field, the file last.",
    ...answer,
    upload: { ...upload, expiresAt },
  };
}
