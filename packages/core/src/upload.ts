import { z } from "zod";
import { PayloadTooLargeError } from "./errors";
import { acceptFileName } from "./file-name";
import { newFileId } from "./ids";
import { originalKey } from "./keys";
import { PENDING_GRACE_SECONDS, type Limits } from "./limits";
import type { MediaRecord } from "./media-record";
import { acceptContentType } from "./media-types";
import type { Clock, MediaRepository, ObjectStorage } from "./ports";

export const PresignUploadInput = z.object({
  fileName: z.string().min(1).max(1024),
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive(),
});
export type PresignUploadInput = z.infer<typeof PresignUploadInput>;

export interface PresignUploadResult {
  message: string;
  fileId: string;
  key: string;
  upload: { url: string; fields: Record<string, string>; expiresAt: string };
  maxBytes: number;
}

export interface UploadDeps {
  repo: MediaRepository;
  storage: ObjectStorage;
  clock: Clock;
  limits: Limits;
}

/**
 * Hands out a POST policy for exactly one object: the key under the user's prefix, the normalised
 * Content-Type, 1..size bytes, a short expiry. The pending record (with its quota reservation) is
 * written last, so a refusal at any step leaves nothing behind.
 */
export async function presignUpload(deps: UploadDeps, userId: string, input: PresignUploadInput): Promise<PresignUploadResult> {
  const fileName = acceptFileName(input.fileName);
  const { contentType, kind } = acceptContentType(input.contentType);
  if (input.size > deps.limits.maxFileBytes) {
    throw new PayloadTooLargeError(`Files may be at most ${deps.limits.maxFileBytes} bytes.`, {
      code: "FileTooLarge",
      details: { maxFileBytes: deps.limits.maxFileBytes },
    });
  }
  const now = deps.clock.now();
  const fileId = newFileId(now);
  const key = originalKey(userId, fileId);
  const expiresSeconds = deps.limits.uploadExpiresSeconds;
  const upload = await deps.storage.presignPost({ key, contentType, maxBytes: input.size, expiresSeconds, fileName });
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
    expiresAt: Math.ceil(now / 1000) + expiresSeconds + PENDING_GRACE_SECONDS,
  };
  await deps.repo.createPending(record, deps.limits.quotaBytes, now);
  return {
    message: "Upload authorised. POST the file to upload.url with every field, the file last.",
    fileId,
    key,
    upload: { ...upload, expiresAt: new Date(now + expiresSeconds * 1000).toISOString() },
    maxBytes: input.size,
  };
}
