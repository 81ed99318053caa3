import { formatBytes } from "../format";
import type { Limits } from "../usage/usage-store";
import type { UploadItem } from "./upload-state";

/** A file ahead in the queue, as the quota check counts it. */
export interface AheadOfIt {
  item: UploadItem;
  /** UsageStore.sequence() when the API accepted it (its bytes reserved there). */
  reservedAt?: number | undefined;
}

const MOVING = new Set(["queued", "uploading", "processing"]);

/**
 * Files still on their way before this one are counted here so that neither a batch nor a second
 * batch overbooks the quota, except those GET /me already counts: accepted before the request whose
 * answer the limits come from, they are in its reservedBytes (or, once settled, its bytes).
 */
export function bytesAhead(ahead: Iterable<AheadOfIt>, limits: Limits): number {
  const counted = (j: AheadOfIt) => limits.reservedAsOf !== undefined && j.reservedAt !== undefined && j.reservedAt < limits.reservedAsOf;
  let sum = 0;
  for (const j of ahead) if (MOVING.has(j.item.state.kind) && !counted(j)) sum += j.item.size;
  return sum;
}

/**
 * Why a file of `size` bytes cannot be sent within the limits, with `ahead` bytes queued before it; undefined
 * when it fits. A resumed upload's bytes are reserved already (GET /me counts them): they leave room for itself.
 */
export function limitRefusal(size: number, limits: Limits, ahead: number, resumed: boolean): string | undefined {
  if (limits.maxFileBytes !== undefined && size > limits.maxFileBytes) {
    return `This file is ${formatBytes(size)}; files can be at most ${formatBytes(limits.maxFileBytes)}.`;
  }
  if (limits.remainingBytes === undefined) return undefined;
  const own = resumed ? size : 0;
  const left = Math.max(0, limits.remainingBytes + own - ahead);
  if (size > left) return `Not enough space: this file is ${formatBytes(size)} and ${formatBytes(left)} is left. Delete some files to make room.`;
  return undefined;
}
