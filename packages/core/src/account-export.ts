import { contentDisposition } from "./file-name";
import { originalKey } from "./keys";
import type { MediaRecord } from "./media-record";
import type { Clock, MediaRepository, ObjectStorage } from "./ports";

/**
 * `GET /me/export`: a copy of everything a person keeps here, as one JSON manifest whose download URLs
 * stay valid an hour, long enough for a script to fetch every file (`jq -r '.files[].downloadUrl'`).
 * Only ready files have bytes to download; pending and rejected ones are listed with their state.
 */
export const EXPORT_URL_SECONDS = 3600;
const PAGE = 100;

export interface ExportDeps {
  repo: MediaRepository;
  storage: ObjectStorage;
  clock: Clock;
}

export interface ExportedFile {
  fileId: string;
  fileName: string;
  contentType: string;
  size: number;
  status: MediaRecord["status"];
  uploadedAt: string;
  metadata: MediaRecord["metadata"];
  description?: string;
  tags?: string[];
  rejectionReason?: string;
  downloadUrl?: string;
  thumbnailUrl?: string;
}

export interface ExportManifest {
  format: "media-storage-export/1";
  userId: string;
  email: string;
  exportedAt: string;
  /** When the URLs stop working: ask for a new export then. */
  urlsExpireAt: string;
  usage: { files: number; bytes: number };
  files: ExportedFile[];
}

export async function exportAccount(deps: ExportDeps, input: { userId: string; email: string }): Promise<ExportManifest> {
  const now = deps.clock.now();
  const records: MediaRecord[] = [];
  let after: string | undefined;
  do {
    const page = await deps.repo.list(input.userId, { limit: PAGE, ...(after ? { after } : {}) }, now);
    records.push(...page.records);
    after = page.lastFileId;
  } while (after);
  const files = await Promise.all(records.map((record) => exportedFile(deps, record)));
  const ready = records.filter((r) => r.status === "ready");
  return {
    format: "media-storage-export/1",
    userId: input.userId,
    email: input.email,
    exportedAt: new Date(now).toISOString(),
    urlsExpireAt: new Date(now + EXPORT_URL_SECONDS * 1000).toISOString(),
    usage: { files: ready.length, bytes: ready.reduce((sum, r) => sum + r.size, 0) },
    files,
  };
}

async function exportedFile(deps: ExportDeps, record: MediaRecord): Promise<ExportedFile> {
  const file: ExportedFile = {
    fileId: record.fileId,
    fileName: record.fileName,
    contentType: record.contentType,
    size: record.size,
    status: record.status,
    uploadedAt: record.uploadedAt,
    metadata: record.metadata,
    ...(record.description !== undefined ? { description: record.description } : {}),
    ...(record.tags !== undefined ? { tags: record.tags } : {}),
    ...(record.rejectionReason !== undefined ? { rejectionReason: record.rejectionReason } : {}),
  };
  if (record.status !== "ready") return file;
  file.downloadUrl = await deps.storage.presignGet({
    key: originalKey(record.userId, record.fileId),
    expiresSeconds: EXPORT_URL_SECONDS,
    disposition: contentDisposition("attachment", record.fileName),
    contentType: record.contentType,
  });
  if (record.thumbnailKey) file.thumbnailUrl = await deps.storage.presignGet({ key: record.thumbnailKey, expiresSeconds: EXPORT_URL_SECONDS, contentType: "image/webp" });
  return file;
}
