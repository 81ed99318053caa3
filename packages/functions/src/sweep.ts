import { log } from "./log";
import { maintenance } from "./roots/maintenance";

/**
 * The scheduled sweep: releases the reservations of every upload whose window has passed (the lifecycle's
 * `released`). Correctness does not depend on it (a presign that would not fit releases its user's expired
 * uploads itself); it keeps the reserved bytes of `GET /me` exact in between. Runs every SWEEP_MINUTES on
 * AWS (a schedule in the Indexer stack) and on a timer in the local runtime. Safe to run twice at once:
 * each release is a transaction conditioned on the upload still being pending.
 */
export { SWEEP_MINUTES } from "@media/core/file-lifecycle";

export async function handler(): Promise<{ released: number; users: number }> {
  const result = await maintenance().sweepExpired(Date.now());
  log.info("expired uploads released", { ...result });
  return result;
}
