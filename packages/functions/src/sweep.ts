import { abortOrphanedUploads } from "@media/core/multipart-orphans";
import { log } from "./log";
import { maintenance, uploadMaintenance } from "./roots/maintenance";

/**
 * The scheduled sweep: releases the reservations of every upload whose window has passed (the lifecycle's
 * `released`), then aborts the unfinished multipart uploads that no live pending record names (released,
 * cancelled or deleted meanwhile), so their parts stop costing storage before the bucket's lifecycle rule
 * would get to them. Correctness does not depend on it (a presign that would not fit releases its user's
 * expired uploads itself; a late completion lands an object the indexer removes); it keeps the reserved
 * bytes of `GET /me` exact in between. Runs every SWEEP_MINUTES on AWS (a schedule in the Indexer stack)
 * and on a timer in the local runtime. Safe to run twice at once: each release is a transaction
 * conditioned on the upload still being pending, and aborting an aborted upload does nothing.
 */
export { SWEEP_MINUTES } from "@media/core/file-lifecycle";

export async function handler(): Promise<{ released: number; users: number; abortedUploads: number }> {
  const result = await maintenance().sweepExpired(Date.now());
  const abortedUploads = await abortOrphanedUploads(uploadMaintenance());
  log.info("expired uploads released", { ...result, abortedUploads });
  return { ...result, abortedUploads };
}
