import { z } from "zod";
import { decodeCursor, encodeCursor } from "./cursor";
import { NotFoundError, ValidationError } from "./errors";
import { acceptFileName, contentDisposition } from "./file-name";
import { isFileId } from "./ids";
import { derivedPrefix, originalKey } from "./keys";
import type { Limits } from "./limits";
import type { MediaEvent } from "./media-event";
import { currentRenditions, toFileView, type FileUrls, type FileView, type MediaRecord, type RenditionState } from "./media-record";
import { hasWork, planRenditions } from "./renditions/rendition-plan";
import { PREVIEW_RENDITION, STREAM_RENDITION, WAVEFORM_RENDITION } from "./renditions/rendition-settings";
import type { Clock, EventPublisher, ListQuery, MediaRepository, ObjectStorage, ShareRepository, UploadStorage } from "./ports";
import { fileIdBound } from "./time-bounds";

export interface LibraryDeps {
  repo: MediaRepository;
  /** Deleting a pending multipart file aborts its upload. */
  storage: ObjectStorage & Pick<UploadStorage, "abortMultipart">;
  events: EventPublisher;
  clock: Clock;
  limits: Limits;
  cursorSecret: string;
  /**
   * The share links to revoke with a deleted file. Optional: opening a link re-reads the file record,
   * so a deleted file's links stop working either way; this removes their items.
   */
  shares?: Pick<ShareRepository, "revokeAllForFile">;
}

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date")
  .transform((s) => Date.parse(s));

export const ListFilesInput = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
  type: z.enum(["image", "audio"]).optional(),
  q: z.string().trim().max(255).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});
export type ListFilesInput = z.output<typeof ListFilesInput>;

export async function listFiles(deps: LibraryDeps, userId: string, input: ListFilesInput): Promise<{ files: FileView[]; nextCursor: string | null }> {
  if (input.from !== undefined && input.to !== undefined && input.from > input.to) {
    throw new ValidationError("`from` must not be after `to`.", { code: "InvalidRange" });
  }
  const q = input.q ? input.q.toLowerCase() : undefined;
  const scope = JSON.stringify([input.type ?? "", q ?? "", input.from ?? "", input.to ?? ""]);
  const now = deps.clock.now();
  const query: ListQuery = { limit: input.limit };
  if (input.cursor) query.after = decodeCursor(input.cursor, { userId, scope }, deps.cursorSecret, now).after;
  if (input.type) query.kind = input.type;
  if (q) query.q = q;
  if (input.from !== undefined) query.fromId = fileIdBound(input.from, "low");
  if (input.to !== undefined) query.toId = fileIdBound(input.to, "high");
  const page = await deps.repo.list(userId, query, now);
  const files = await Promise.all(page.records.map((r) => viewOf(deps, r)));
  const nextCursor = page.lastFileId ? encodeCursor({ after: page.lastFileId }, { userId, scope }, deps.cursorSecret, now) : null;
  return { files, nextCursor };
}

export async function getFile(deps: LibraryDeps, userId: string, fileId: string): Promise<FileView> {
  return viewOf(deps, await mustFind(deps, userId, fileId));
}

/** A presigned GET that saves the file under its original name. */
export async function downloadUrl(deps: LibraryDeps, userId: string, fileId: string): Promise<string> {
  const record = await mustFind(deps, userId, fileId);
  if (record.status !== "ready") throw new NotFoundError("The file is not available for download.");
  return deps.storage.presignGet({
    key: originalKey(userId, fileId),
    expiresSeconds: deps.limits.urlExpiresSeconds,
    disposition: contentDisposition("attachment", record.fileName),
    contentType: record.contentType,
  });
}

export const UpdateFileInput = z
  .object({
    fileName: z.string().max(1024).optional(),
    description: z.string().max(1000).nullable().optional(),
    tags: z
      .array(z.string().trim().min(1).max(50).regex(/^[^\u0000-\u001f\u007f]+$/u, "must not contain control characters"))
      .max(20)
      .nullable()
      .optional(),
  })
  .refine((v) => v.fileName !== undefined || v.description !== undefined || v.tags !== undefined, "Nothing to update.");
export type UpdateFileInput = z.infer<typeof UpdateFileInput>;

export async function updateFile(deps: LibraryDeps, userId: string, fileId: string, input: UpdateFileInput): Promise<FileView> {
  assertFileId(fileId);
  const patch: Parameters<MediaRepository["update"]>[2] = {};
  if (input.fileName !== undefined) patch.fileName = acceptFileName(input.fileName);
  if (input.description !== undefined) patch.description = input.description;
  if (input.tags !== undefined) patch.tags = input.tags === null ? null : [...new Set(input.tags)];
  const updated = await deps.repo.update(userId, fileId, patch);
  if (!updated) throw new NotFoundError("No such file.");
  return viewOf(deps, updated);
}

/**
 * Deletes the object, its derived files and its record (the `deleted` transition; on a pending file,
 * `cancelled`: its reservation is given back). Deleting what is already gone succeeds.
 */
export async function deleteFile(deps: LibraryDeps, userId: string, fileId: string): Promise<void> {
  assertFileId(fileId);
  const key = originalKey(userId, fileId);
  // Objects first: a record without an object is repaired by deleting again, an object without a
  // record would be invisible storage the user pays for.
  await deps.storage.remove([key]);
  await deps.storage.removePrefix(derivedPrefix(userId, fileId));
  const removed = await deps.repo.remove(userId, fileId);
  // The indexer may have written the thumbnail after the sweep above and made the record ready before
  // it was removed here: that thumbnail is named by the removed record. (An indexer that gets there after
  // the removal finds no record and removes its own thumbnail, see indexing.ts.) A pending file's
  // upload may have landed between the first removal and the record's: its object goes too (one that
  // lands later finds no record, and the indexer removes it).
  if (removed?.status === "pending") await deps.storage.remove([key]);
  // An unfinished multipart upload is given up with its file: its parts go, and a completion sent now
  // finds no upload (one that won the race lands an object the indexer removes, its record being gone).
  if (removed?.status === "pending" && removed.multipartUploadId !== undefined) await deps.storage.abortMultipart({ key, uploadId: removed.multipartUploadId });
  if (removed?.thumbnailKey) await deps.storage.remove([removed.thumbnailKey]);
  if (removed) {
    const event: MediaEvent = {
      type: "media.deleted",
      fileId,
      userId,
      key,
      contentType: removed.contentType,
      size: removed.size,
      metadata: { ...removed.metadata },
      at: new Date(deps.clock.now()).toISOString(),
    };
    await deps.events.publish(event);
  }
  // Also when nothing was removed: a retried delete finishes what a failed one left.
  await deps.shares?.revokeAllForFile(userId, fileId);
}

// GET /me's usage lives in usage.ts, apart from this module's request schemas (its bundle needs no zod 3).
export { usageOf, type UsageAndLimits } from "./usage";

async function mustFind(deps: LibraryDeps, userId: string, fileId: string): Promise<MediaRecord> {
  assertFileId(fileId);
  const record = await deps.repo.get(userId, fileId);
  // Someone else's file and a missing one are indistinguishable by design: the lookup is by the
  // caller's own partition, so another user's id simply finds nothing.
  if (!record || (record.status === "pending" && record.expiresAt !== undefined && record.expiresAt * 1000 < deps.clock.now())) {
    throw new NotFoundError("No such file.");
  }
  return record;
}

function assertFileId(fileId: string): void {
  if (!isFileId(fileId)) throw new NotFoundError("No such file.");
}

async function viewOf(deps: LibraryDeps, record: MediaRecord): Promise<FileView> {
  if (record.status !== "ready") return toFileView(record, {});
  const key = originalKey(record.userId, record.fileId);
  const expiresSeconds = deps.limits.urlExpiresSeconds;
  const renditions = renditionsOf(record);
  const derived = (derivedKey: string | undefined, contentType: string) => (derivedKey ? deps.storage.presignGet({ key: derivedKey, expiresSeconds, contentType }) : undefined);
  const [fileUrl, downloadUrl, thumbnailUrl, streamUrl, previewUrl, waveformUrl] = await Promise.all([
    deps.storage.presignGet({ key, expiresSeconds, disposition: contentDisposition("inline", record.fileName), contentType: record.contentType }),
    deps.storage.presignGet({ key, expiresSeconds, disposition: contentDisposition("attachment", record.fileName), contentType: record.contentType }),
    derived(record.thumbnailKey, "image/webp"),
    derived(renditions.state?.streamKey, STREAM_RENDITION.contentType),
    derived(renditions.state?.previewKey, PREVIEW_RENDITION.contentType),
    derived(renditions.state?.waveformKey, WAVEFORM_RENDITION.contentType),
  ]);
  const urls: FileUrls = { fileUrl, downloadUrl };
  if (thumbnailUrl) urls.thumbnailUrl = thumbnailUrl;
  if (streamUrl) urls.streamUrl = streamUrl;
  if (previewUrl) urls.previewUrl = previewUrl;
  if (waveformUrl) urls.waveformUrl = waveformUrl;
  return toFileView(record, urls, renditions.view);
}

/**
 * The renditions of the object the record describes now: those recorded for its eTag, or "pending" while
 * its plan has work left (made after the file is ready, by the renditions function), or "none".
 */
function renditionsOf(record: MediaRecord): { state?: RenditionState; view: NonNullable<FileView["renditions"]> } {
  const state = currentRenditions(record);
  if (state) return { state, view: state.reason ? { status: state.status, reason: state.reason } : { status: state.status } };
  return { view: { status: hasWork(planRenditions(record)) ? "pending" : "none" } };
}
