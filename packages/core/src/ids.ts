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

/** The upload time encoded in a ULID's first ten characters (48 bits of milliseconds). */
export function fileIdTime(fileId: string): number {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let ms = 0;
  for (const ch of fileId.slice(0, 10)) ms = ms * 32 + alphabet.indexOf(ch);
  return ms;
}
