import { z } from "zod";
import { ConflictError, NotFoundError } from "./errors";
import { isFileId } from "./ids";
import { originalKey } from "./keys";
import { toFileView, type FileView, type MediaRecord } from "./media-record";
import { checkCompletion, checkPartNumbers, MAX_PARTS_PER_REQUEST, PART_URL_SECONDS, partLength, type PartPlan } from "./multipart";
import type { Clock, MediaRepository, StoredPart, UploadStorage } from "./ports";

/**
 * The steps of a multipart upload after POST /upload created it: part URLs, what arrived, completion,
 * and giving an unfinished one up (the sweep's aborts of abandoned ones: multipart-orphans.ts). The client names its fileId only; the upload ID, part size and
 * declared size come from the pending record, so nobody sends parts to another user's or another file's
 * upload, and each part URL binds its exact length.
 */
export interface MultipartDeps {
  repo: MediaRepository;
  storage: UploadStorage;
  clock: Clock;
}

export const SignPartsInput = z.object({
  partNumbers: z.array(z.number().int()).min(1).max(MAX_PARTS_PER_REQUEST),
});
export type SignPartsInput = z.infer<typeof SignPartsInput>;

export const CompleteUploadInput = z.object({
  parts: z.array(z.object({ partNumber: z.number().int(), eTag: z.string().min(1).max(200) })).min(1).max(10_000),
});
export type CompleteUploadInput = z.infer<typeof CompleteUploadInput>;

interface OpenUpload {
  record: MediaRecord;
  key: string;
  uploadId: string;
  plan: PartPlan;
}

/** The caller's pending multipart upload, or why not: 404 for none (or another user's), 409 for a file past that stage. */
async function openUpload(deps: MultipartDeps, userId: string, fileId: string): Promise<OpenUpload> {
  if (!isFileId(fileId)) throw new NotFoundError("No such file.");
  const record = await deps.repo.get(userId, fileId);
  const now = deps.clock.now();
  if (!record || (record.status === "pending" && record.expiresAt !== undefined && record.expiresAt * 1000 < now)) throw new NotFoundError("No such file.");
  if (record.status !== "pending" || record.multipartUploadId === undefined || record.partSize === undefined) {
    throw new ConflictError("This file has no unfinished multipart upload.", { code: "NotMultipartUpload" });
  }
  const plan = { partSize: record.partSize, partCount: Math.max(1, Math.ceil(record.size / record.partSize)) };
  return { record, key: originalKey(userId, fileId), uploadId: record.multipartUploadId, plan };
}

function uploadGone(): ConflictError {
  return new ConflictError("The upload was already completed or given up.", { code: "UploadGone" });
}

export async function signParts(deps: MultipartDeps, userId: string, fileId: string, input: SignPartsInput): Promise<{ parts: Array<{ partNumber: number; url: string }>; expiresAt: string }> {
  const upload = await openUpload(deps, userId, fileId);
  checkPartNumbers(upload.plan, input.partNumbers);
  const now = deps.clock.now();
  // Never past the reservation: a part sent after it would land in an upload the sweep is about to abort.
  const untilReservation = Math.floor((upload.record.expiresAt ?? 0) - now / 1000);
  const expiresSeconds = Math.max(1, Math.min(PART_URL_SECONDS, untilReservation));
  const parts = await Promise.all(
    input.partNumbers.map(async (partNumber) => ({
      partNumber,
      url: await deps.storage.presignPart({ key: upload.key, uploadId: upload.uploadId, partNumber, size: partLength(upload.plan, upload.record.size, partNumber), expiresSeconds }),
    })),
  );
  return { parts, expiresAt: new Date(now + expiresSeconds * 1000).toISOString() };
}

export async function listUploadedParts(deps: MultipartDeps, userId: string, fileId: string): Promise<{ parts: StoredPart[]; partSize: number; partCount: number }> {
  const upload = await openUpload(deps, userId, fileId);
  const parts = await deps.storage.listParts({ key: upload.key, uploadId: upload.uploadId });
  if (parts === "gone") throw uploadGone();
  return { parts, ...upload.plan };
}

/**
 * Checks the named parts against what arrived and the declared size (checkCompletion), then completes.
 * The file stays pending until the indexer has inspected the object. An upload already completed (an
 * answer lost on the way) or given up answers 409 UploadGone: GET /files/{fileId} tells which.
 */
export async function completeUpload(deps: MultipartDeps, userId: string, fileId: string, input: CompleteUploadInput): Promise<FileView> {
  const upload = await openUpload(deps, userId, fileId);
  const uploaded = await deps.storage.listParts({ key: upload.key, uploadId: upload.uploadId });
  if (uploaded === "gone") throw uploadGone();
  const parts = checkCompletion(upload.plan, upload.record.size, input.parts, uploaded);
  if ((await deps.storage.completeMultipart({ key: upload.key, uploadId: upload.uploadId, parts })) === "gone") throw uploadGone();
  return toFileView(upload.record, {});
}
