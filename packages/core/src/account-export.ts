import { contentDisposition } from "./file-name";
import { exportManifestKey, originalKey } from "./keys";
import { toFileView, type FileUrls, type FileView, type MediaRecord } from "./media-record";
import type { Clock, MediaRepository, ObjectStorage } from "./ports";

/**
 * `GET /me/export`: a copy of everything a person keeps here, as one JSON manifest whose download URLs
 * stay valid an hour, long enough for a script to fetch every file (`jq -r '.files[].downloadUrl'`).
 * Only ready files have bytes to download; pending and rejected ones are listed with their state.
 *
 * A Lambda answers at most 6 MB, the manifest riding in it as an escaped JSON string; at about 2 KB a
 * file (two presigned URLs) that is a few thousand files. A manifest that would not fit is written to
 * the bucket and the answer points to it (`manifestUrl`, same hour). Why not always: the common, small
 * export then stays one request with nothing left behind, and the web app saves the answer as it is.
 */
export const EXPORT_URL_SECONDS = 3600;
/** Lambda's 6 MB response limit, less room for the envelope's headers and status. */
export const INLINE_EXPORT_MAX_BYTES = 6 * 1024 * 1024 - 64 * 1024;
export const EXPORT_FORMAT = "media-storage-export/1";
const PAGE = 100;

export interface ExportDeps {
  repo: MediaRepository;
  storage: ObjectStorage;
  clock: Clock;
  /** Tests lower it to exercise the stored manifest without thousands of records. */
  inlineMaxBytes?: number;
}

/** The File of the HTTP contract with the two URLs an export needs: the download and the thumbnail. */
export type ExportedFile = Omit<FileView, "fileUrl" | "streamUrl" | "previewUrl" | "waveformUrl" | "renditions">;

interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  userId: string;
  email: string;
  exportedAt: string;
  /** When the URLs stop working: ask for a new export then. */
  urlsExpireAt: string;
  usage: { files: number; bytes: number };
}

export interface ExportManifest extends ExportHeader {
  files: ExportedFile[];
}

/** The answer for a manifest too large to send inline: the same header, and where the manifest is. */
export interface StoredExport extends ExportHeader {
  message: string;
  /** A presigned GET of the whole manifest, valid until `urlsExpireAt`. */
  manifestUrl: string;
  fileCount: number;
}

export async function exportAccount(deps: ExportDeps, input: { userId: string; email: string }): Promise<ExportManifest | StoredExport> {
  const manifest = await buildManifest(deps, input);
  const text = JSON.stringify(manifest);
  // As it rides in the Lambda response: a JSON string, every quote and backslash escaped.
  if (Buffer.byteLength(JSON.stringify(text)) <= (deps.inlineMaxBytes ?? INLINE_EXPORT_MAX_BYTES)) return manifest;
  const key = exportManifestKey(input.userId);
  await deps.storage.put(key, Buffer.from(text), "application/json");
  const { files, ...header } = manifest;
  return {
    ...header,
    message: `Your export lists ${files.length} files, too many to send at once: download the manifest from manifestUrl before ${header.urlsExpireAt}.`,
    manifestUrl: await deps.storage.presignGet({
      key,
      expiresSeconds: EXPORT_URL_SECONDS,
      disposition: contentDisposition("attachment", `media-export-${header.exportedAt.slice(0, 10)}.json`),
      contentType: "application/json",
    }),
    fileCount: files.length,
  };
}

async function buildManifest(deps: ExportDeps, input: { userId: string; email: string }): Promise<ExportManifest> {
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
    format: EXPORT_FORMAT,
    userId: input.userId,
    email: input.email,
    exportedAt: new Date(now).toISOString(),
    urlsExpireAt: new Date(now + EXPORT_URL_SECONDS * 1000).toISOString(),
    usage: { files: ready.length, bytes: ready.reduce((sum, r) => sum + r.size, 0) },
    files,
  };
}

/** The contract's File view of the record, with hour-long URLs for what can be downloaded. */
async function exportedFile(deps: ExportDeps, record: MediaRecord): Promise<ExportedFile> {
  const urls: FileUrls = {};
  if (record.status === "ready") {
    urls.downloadUrl = await deps.storage.presignGet({
      key: originalKey(record.userId, record.fileId),
      expiresSeconds: EXPORT_URL_SECONDS,
      disposition: contentDisposition("attachment", record.fileName),
      contentType: record.contentType,
    });
    if (record.thumbnailKey) urls.thumbnailUrl = await deps.storage.presignGet({ key: record.thumbnailKey, expiresSeconds: EXPORT_URL_SECONDS, contentType: "image/webp" });
  }
  return toFileView(record, urls);
}
