import { formatBytes } from "./byte-size";
import { PayloadTooLargeError } from "./errors";

/** Raised when an upload would take a user past their quota; says exactly what is left. */
export class QuotaExceededError extends PayloadTooLargeError {
  constructor(remainingBytes: number, quotaBytes: number) {
    super(`This upload would exceed your storage quota; ${formatBytes(Math.max(0, remainingBytes))} is left.`, {
      code: "QuotaExceeded",
      details: { remainingBytes: Math.max(0, remainingBytes), quotaBytes },
    });
  }
}

/** Bytes still free for a user, counting reservations of pending uploads. */
export function remainingBytes(usage: { bytes: number; reservedBytes: number }, quotaBytes: number): number {
  return Math.max(0, quotaBytes - usage.bytes - usage.reservedBytes);
}
