import { Readable } from "node:stream";
import type { InspectInput } from "@media/core/ports";

/** An InspectInput over bytes in memory (or produced on demand), counting what was read. */
export function inspectInput(source: Buffer | { size: number; bytes(start: number, end: number): Buffer }, declaredType: string, headBytes = 64 * 1024) {
  const size = Buffer.isBuffer(source) ? source.length : source.size;
  const slice = (start: number, end: number) => (Buffer.isBuffer(source) ? source.subarray(start, end) : source.bytes(start, end));
  const stats = { reads: 0, bytes: 0, opened: 0 };
  const input: InspectInput = {
    declaredType,
    size,
    head: slice(0, Math.min(size, headBytes)),
    async read(start, endInclusive) {
      stats.reads++;
      const b = slice(start, Math.min(size, endInclusive + 1));
      stats.bytes += b.length;
      return b;
    },
    async open() {
      stats.opened++;
      return Readable.from([slice(0, size)], { objectMode: false });
    },
  };
  return { input, stats };
}
