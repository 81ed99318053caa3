export interface Limits {
  /** Largest single file, in bytes. */
  maxFileBytes: number;
  /** Bytes a user may store, pending uploads included. */
  quotaBytes: number;
  /** Lifetime of an upload policy, in seconds (S3 refuses the POST afterwards). */
  uploadExpiresSeconds: number;
  /** Lifetime of view and download URLs, in seconds. */
  urlExpiresSeconds: number;
}

export const GiB = 1024 ** 3;

export const DEFAULT_LIMITS: Limits = {
  maxFileBytes: 2 * GiB,
  quotaBytes: 5 * GiB,
  uploadExpiresSeconds: 15 * 60,
  urlExpiresSeconds: 15 * 60,
};

/** An upload's record stays pending (and its bytes reserved) this long after its policy expires, for queue delays. */
export const PENDING_GRACE_SECONDS = 60 * 60;
