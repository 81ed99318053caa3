import type { Limits } from "./limits";
import type { Clock, MediaRepository } from "./ports";

/** What a user has stored, and the limits an upload must fit (GET /me). */
export interface UsageAndLimits {
  /** `reservedBytes`: held by uploads not yet indexed (released when one is abandoned, by the sweep or the next presign that needs them). */
  usage: { files: number; bytes: number; reservedBytes: number; quotaBytes: number };
  /** Sent so that clients can refuse a file before asking, instead of learning the limit from a 413. */
  limits: { maxFileBytes: number; quotaBytes: number };
}

export async function usageOf(deps: { repo: Pick<MediaRepository, "usage">; clock: Clock; limits: Limits }, userId: string): Promise<UsageAndLimits> {
  const usage = await deps.repo.usage(userId, deps.clock.now());
  const { maxFileBytes, quotaBytes } = deps.limits;
  return { usage: { files: usage.files, bytes: usage.bytes, reservedBytes: usage.reservedBytes, quotaBytes }, limits: { maxFileBytes, quotaBytes } };
}
