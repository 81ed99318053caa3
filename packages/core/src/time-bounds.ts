import { ULID_ALPHABET } from "./ids";

/**
 * ULIDs start with 48 bits of milliseconds, so a date range over uploads is a range of fileIds:
 * the lowest id of the `from` millisecond and the highest id of the `to` millisecond.
 */
export function fileIdBound(ms: number, side: "low" | "high"): string {
  let time = Math.max(0, Math.min(ms, 2 ** 48 - 1));
  let prefix = "";
  for (let i = 0; i < 10; i++) {
    prefix = ULID_ALPHABET[time % 32] + prefix;
    time = Math.floor(time / 32);
  }
  return prefix + (side === "low" ? "0" : "Z").repeat(16);
}
