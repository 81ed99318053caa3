import { ConflictError, PayloadTooLargeError, ValidationError } from "./errors";
import { PENDING_GRACE_SECONDS } from "./limits";

/**
 * The facts of multipart uploads, written once: S3's own rules (which the local storage enforces too),
 * the window a multipart upload's reservation lives, and how the service cuts a file into parts.
 */
export const MiB = 1024 * 1024;

/** S3: every part but the last at least 5 MiB, at most 5 GiB; part numbers 1 to 10,000. */
export const S3_MULTIPART = { minPartBytes: 5 * MiB, maxPartBytes: 5 * 1024 * MiB, maxParts: 10_000 } as const;

/**
 * How long a multipart upload may take, from POST /upload to its completion: a day, for a 2 GiB recording
 * on a train that stops and resumes. The reservation lives that long plus the grace every pending upload
 * gets (PENDING_GRACE_SECONDS) for the indexer to see the object; then the sweep releases it and aborts
 * the upload.
 */
export const MULTIPART_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * The bucket's lifecycle rule (AbortIncompleteMultipartUpload) and its local counterpart: whole days, and
 * later than any reservation ends, so S3 never aborts an upload whose reservation still lives. It is the
 * backstop for an upload the sweep could not abort (S3 runs lifecycle rules about once a day).
 */
export const ABORT_INCOMPLETE_MULTIPART_DAYS = Math.ceil((MULTIPART_WINDOW_SECONDS + PENDING_GRACE_SECONDS) / 86_400) + 1;

/** The lifetime of a presigned part URL: long enough for a large part on a slow link, never past the reservation. */
export const PART_URL_SECONDS = 60 * 60;

/** Part URLs signed in one call (POST /files/{id}/parts). */
export const MAX_PARTS_PER_REQUEST = 1000;

/**
 * An unfinished upload in the bucket younger than this is never treated as orphaned by the sweep: its
 * record is written just after S3 created it.
 */
export const ORPHAN_MIN_AGE_SECONDS = 15 * 60;

export interface PartPlan {
  partSize: number;
  partCount: number;
}

/** The part size for a declared size: whole MiB, at least S3's minimum, few enough parts for S3's maximum. */
export function partPlan(size: number): PartPlan {
  const partSize = Math.max(S3_MULTIPART.minPartBytes, Math.ceil(size / S3_MULTIPART.maxParts / MiB) * MiB);
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** The exact length of one part (the last holds the rest), which its presigned URL binds. */
export function partLength(plan: PartPlan, size: number, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}

/** Part numbers asked for: each within the plan, no repeats. */
export function checkPartNumbers(plan: PartPlan, partNumbers: readonly number[]): void {
  const outside = partNumbers.filter((n) => !Number.isInteger(n) || n < 1 || n > plan.partCount);
  if (outside.length > 0) {
    throw new ValidationError(`Part numbers run from 1 to ${plan.partCount} for this upload.`, { code: "InvalidPartNumber", details: { partCount: plan.partCount, invalid: outside } });
  }
  if (new Set(partNumbers).size !== partNumbers.length) throw new ValidationError("Each part number may be asked for once.", { code: "InvalidPartNumber" });
}

export interface UploadedPart {
  partNumber: number;
  eTag: string;
  size: number;
}

/**
 * What a completion must name, checked before S3 is asked (S3 cannot bind a size to a multipart upload):
 * every part of the plan, once, in order, each with the ETag the storage answered for it, and together
 * exactly the declared size. Returns the parts as the storage has them.
 */
export function checkCompletion(plan: PartPlan, declaredSize: number, requested: ReadonlyArray<{ partNumber: number; eTag: string }>, uploaded: readonly UploadedPart[]): UploadedPart[] {
  const numbers = requested.map((p) => p.partNumber);
  if (numbers.some((n, i) => i > 0 && n <= numbers[i - 1]!)) {
    throw new ValidationError("Parts must be listed in ascending order of part number, each once.", { code: "InvalidPartOrder" });
  }
  checkPartNumbers(plan, numbers);
  const byNumber = new Map(uploaded.map((p) => [p.partNumber, p]));
  const chosen = requested.map((wanted) => {
    const part = byNumber.get(wanted.partNumber);
    if (!part || unquote(part.eTag) !== unquote(wanted.eTag)) {
      throw new ValidationError(`Part ${wanted.partNumber} was not uploaded with that ETag.`, { code: "InvalidPart", details: { partNumber: wanted.partNumber } });
    }
    return part;
  });
  const total = chosen.reduce((sum, p) => sum + p.size, 0);
  if (total > declaredSize) {
    throw new PayloadTooLargeError(`The parts hold ${total} bytes, more than the ${declaredSize} declared.`, { code: "UploadTooLarge", details: { declaredSize, total } });
  }
  const missing = [];
  for (let n = 1; n <= plan.partCount; n++) if (!byNumber.has(n) || !numbers.includes(n)) missing.push(n);
  if (missing.length > 0 || total !== declaredSize) {
    throw new ConflictError(`The upload is missing parts: ${missing.slice(0, 20).join(", ")}${missing.length > 20 ? ", …" : ""}.`, { code: "IncompleteUpload" });
  }
  return chosen;
}

function unquote(eTag: string): string {
  return eTag.replace(/^"|"$/g, "");
}
