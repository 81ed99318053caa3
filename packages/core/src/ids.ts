import { monotonicFactory } from "ulid";

// Monotonic so that two uploads in the same millisecond still sort in the order they were made.
const next = monotonicFactory();

export function newFileId(now: number = Date.now()): string {
  return next(now);
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isFileId(value: string): boolean {
  return ULID.test(value);
}

/** Crockford's base 32, the alphabet of ULIDs. */
export const ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The upload time encoded in a ULID's first ten characters (48 bits of milliseconds). */
export function fileIdTime(fileId: string): number {
  let ms = 0;
  for (const ch of fileId.slice(0, 10)) ms = ms * 32 + ULID_ALPHABET.indexOf(ch);
  return ms;
}
