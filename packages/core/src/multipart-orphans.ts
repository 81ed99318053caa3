import type { MultipartDeps } from "./multipart-upload";
import { ORIGINALS_PREFIX, parseOriginalKey } from "./keys";
import { ORPHAN_MIN_AGE_SECONDS } from "./multipart";

// Apart from multipart-upload.ts, whose request schemas (zod, built when the module loads) the scheduled
// sweep has no use for: the sweep's bundle imports this alone.

/**
 * The sweep's part: aborts every unfinished upload in the bucket that no live pending record names (its
 * reservation was released, or its file cancelled or deleted), once it is old enough that its record
 * had time to be written. Returns how many it aborted.
 */
export async function abortOrphanedUploads(deps: MultipartDeps): Promise<number> {
  const now = deps.clock.now();
  let aborted = 0;
  for (const upload of await deps.storage.listUnfinished(ORIGINALS_PREFIX)) {
    if (now - upload.initiated < ORPHAN_MIN_AGE_SECONDS * 1000) continue;
    const owner = parseOriginalKey(upload.key);
    const record = owner ? await deps.repo.get(owner.userId, owner.fileId) : undefined;
    const live = record?.status === "pending" && record.multipartUploadId === upload.uploadId && (record.expiresAt === undefined || record.expiresAt * 1000 >= now);
    if (live) continue;
    await deps.storage.abortMultipart({ key: upload.key, uploadId: upload.uploadId });
    aborted++;
  }
  return aborted;
}
