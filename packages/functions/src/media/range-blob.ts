import type { Meter } from "./budget";

/**
 * A read-only, Blob-shaped view of a stored object that fetches only the byte ranges a parser asks for.
 *
 * file-type and music-metadata both read a Blob through strtok3's BlobTokenizer, which is random access:
 * it calls `blob.slice(start, end).arrayBuffer()` for each read and simply moves its position to skip. Over
 * this view that makes describing a 1 GiB WAV two small ranged reads (the header; the chunk after the
 * audio data) instead of streaming a gigabyte, and lets the parsers look for tags at the end of a file.
 *
 * Parsers read in many small pieces (a chunk header is 8 bytes), so reads go through fixed, aligned
 * blocks kept in a small cache; a large read (a cover picture) is fetched in one go. Errors of `read`
 * propagate to the parser's caller unchanged, and are also remembered in `failure`, so a caller can tell
 * "the storage failed" from "the parser found the content bad" even if a parser swallowed the error.
 */
export type ReadRange = (start: number, endInclusive: number) => Promise<Buffer>;

export interface RangeBlobOptions {
  /** Bytes already read from offset 0 (the sniffed head). */
  head?: Buffer;
  /** Size of one cached block. */
  blockSize?: number;
  /** Blocks kept in the cache. */
  cacheBlocks?: number;
  /** The Blob's `type`, a hint for parsers. */
  type?: string;
}

export interface RangeBlob {
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer>; size: number };
  /** What it cost: ranged reads made and bytes fetched (the head not counted). */
  readonly stats: { reads: number; bytes: number };
  /** The first error `read` threw, if any. */
  readonly failure: unknown;
  /** Viewed as a Blob, for the parsers' Blob entry points (which use size, type and slice only). */
  asBlob(): Blob;
  /**
   * The same bytes (and cache) as a Blob whose reads are charged to `meter`: a read past its budget is
   * refused before anything is fetched. `type` overrides the Blob's type (a parser's format hint).
   */
  metered(meter: Meter, type?: string): Blob;
  /** The bytes from `offset` on, as a Blob of their own (the same cache), charged to `meter`. */
  from(offset: number, meter: Meter, type?: string): Blob;
}

export function rangeBlob(size: number, read: ReadRange, options: RangeBlobOptions = {}): RangeBlob {
  const head = options.head ?? Buffer.alloc(0);
  const blockSize = options.blockSize ?? 64 * 1024;
  const cacheBlocks = options.cacheBlocks ?? 8;
  const cache = new Map<number, Promise<Buffer>>();
  const stats = { reads: 0, bytes: 0 };
  let failure: unknown;

  async function fetch(start: number, endInclusive: number): Promise<Buffer> {
    stats.reads++;
    try {
      const bytes = await read(start, endInclusive);
      stats.bytes += bytes.length;
      return bytes;
    } catch (error) {
      failure ??= error;
      throw error;
    }
  }

  function block(index: number): Promise<Buffer> {
    let cached = cache.get(index);
    if (cached) {
      cache.delete(index); // re-inserted below: Map order is the LRU order
    } else {
      const start = index * blockSize;
      cached = fetch(start, Math.min(size, start + blockSize) - 1);
      cached.catch(() => cache.delete(index));
    }
    cache.set(index, cached);
    while (cache.size > cacheBlocks) cache.delete(cache.keys().next().value as number);
    return cached;
  }

  async function bytes(start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    if (end <= head.length) return head.subarray(start, end);
    if (start < head.length) return Buffer.concat([head.subarray(start), await bytes(head.length, end)]);
    if (end - start > blockSize) return fetch(start, end - 1);
    const first = Math.floor(start / blockSize);
    const last = Math.floor((end - 1) / blockSize);
    const parts = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => block(first + i)));
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const offset = start - first * blockSize;
    return joined.subarray(offset, offset + (end - start));
  }

  /** A Blob-shaped window [offset, size) over these bytes, its reads charged to `meter` when given. */
  function window(offset: number, meter: Meter | undefined, type: string): Blob {
    const length = size - offset;
    const view = {
      size: length,
      type,
      slice(start = 0, end = length) {
        const from = clamp(start < 0 ? length + start : start, length);
        const to = Math.max(from, clamp(end < 0 ? length + end : end, length));
        return {
          size: to - from,
          async arrayBuffer() {
            meter?.charge(to - from);
            const b = await bytes(offset + from, offset + to);
            // A large read was fetched for this call alone: its own ArrayBuffer is handed over, not copied
            // (a cover picture would otherwise be in memory twice). Anything else gets a fresh copy, since
            // a Buffer may be a cached block or a view into a larger pool, which a parser must not touch.
            if (b.length > blockSize && b.byteOffset === 0 && b.length === b.buffer.byteLength) return b.buffer as ArrayBuffer;
            return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
          },
        };
      },
    };
    return view as unknown as Blob;
  }

  const plain = window(0, undefined, options.type ?? "");
  const blob: RangeBlob = {
    size,
    type: options.type ?? "",
    stats,
    get failure() {
      return failure;
    },
    slice: (start, end) => plain.slice(start, end) as unknown as ReturnType<RangeBlob["slice"]>,
    asBlob: () => plain,
    metered: (meter, type) => window(0, meter, type ?? options.type ?? ""),
    from: (offset, meter, type) => window(clamp(offset, size), meter, type ?? options.type ?? ""),
  };
  return blob;
}

function clamp(n: number, size: number): number {
  return Math.min(Math.max(0, Math.floor(n)), size);
}

/** `length` bytes of a Blob from `start` (fewer at its end), for the few structures we walk ourselves. */
export async function readBytes(blob: Blob, start: number, length: number): Promise<Buffer> {
  return Buffer.from(await blob.slice(start, start + length).arrayBuffer());
}
