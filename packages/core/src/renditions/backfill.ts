import { originalKey } from "../keys";
import type { MediaRecord } from "../media-record";
import type { MediaRepository } from "../ports";
import type { RenditionQueue } from "./ports";
import { hasWork, planRenditions } from "./rendition-plan";

/**
 * A ready file whose renditions are owed: its plan has work and nothing is recorded for the object it
 * describes now (a table rebuilt from the bucket, files from before renditions existed, a message lost).
 * Renditions recorded as failed are not owed: their reason stands, and the dead-letter queue's redrive
 * is what tries an error on our side again.
 */
export function owesRenditions(record: MediaRecord): boolean {
  if (record.status !== "ready") return false;
  if (record.renditions && record.renditions.eTag === record.eTag) return false;
  return hasWork(planRenditions(record));
}

export type RenditionBackfill = "queued" | "already-queued" | "would-queue";

/**
 * Asks the renditions function for a file's renditions when they are owed (`npm run reindex`): the same
 * request the topic delivers for a new upload, put on the renditions queue directly, so nothing is
 * announced to the topic's other subscribers. Safe to repeat: a request already waiting is not queued
 * twice where the queue can tell (locally), and the function skips a file whose renditions exist.
 */
export async function requestOwedRenditions(
  deps: { repo: Pick<MediaRepository, "get">; renditions: RenditionQueue },
  userId: string,
  fileId: string,
  dryRun: boolean,
): Promise<RenditionBackfill | undefined> {
  const record = await deps.repo.get(userId, fileId);
  if (!record || !owesRenditions(record)) return undefined;
  const request = { type: "media.ready" as const, userId, fileId, key: originalKey(userId, fileId) };
  if (await deps.renditions.waiting(request)) return "already-queued";
  if (dryRun) return "would-queue";
  await deps.renditions.enqueue(request);
  return "queued";
}
