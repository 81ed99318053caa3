import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";

/**
 * S3's flexible checksums (x-amz-checksum-*): computed while the body streams, compared with what the
 * client sent in a header or an aws-chunked trailer; a mismatch is refused with BadDigest and nothing is
 * stored. Values are base64 of the big-endian digest, as S3 and the SDK write them. The SDK sends CRC32
 * by default since 3.729; CRC32C and CRC64NVME have no Node built-in, so they are table-driven here.
 */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  return CHECKSUM_ALGORITHMS.find((a) => checksumHeader(a) === lower);
}

export interface Checksum {
  update(chunk: Buffer): void;
  /** base64 of the big-endian digest */
  digest(): string;
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case "CRC32":
      return new Crc32();
    case "CRC32C":
      return new Crc32c();
    case "CRC64NVME":
      return new Crc64Nvme();
    case "SHA1":
      return new CryptoHash(createHash("sha1"));
    case "SHA256":
      return new CryptoHash(createHash("sha256"));
  }
}

class CryptoHash implements Checksum {
  constructor(private readonly hash: Hash) {}
  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  digest(): string {
    return this.hash.digest("base64");
  }
}

class Crc32 implements Checksum {
  private value = 0;
  update(chunk: Buffer): void {
    this.value = crc32(chunk, this.value);
  }
  digest(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0, 0);
    return out.toString("base64");
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

class Crc32c implements Checksum {
  private crc = 0xffffffff;
  update(chunk: Buffer): void {
    let crc = this.crc;
    for (let i = 0; i < chunk.length; i++) crc = (CRC32C_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
    this.crc = crc;
  }
  digest(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((this.crc ^ 0xffffffff) >>> 0, 0);
    return out.toString("base64");
  }
}

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones. The 64-bit state is kept
// as two 32-bit halves so the per-byte loop stays on small integers.
const CRC64_TABLES = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    hi[i] = Number(c >> 32n);
    lo[i] = Number(c & 0xffffffffn);
  }
  return { hi, lo };
})();

class Crc64Nvme implements Checksum {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(chunk: Buffer): void {
    let hi = this.hi;
    let lo = this.lo;
    const { hi: tHi, lo: tLo } = CRC64_TABLES;
    for (let i = 0; i < chunk.length; i++) {
      const idx = (lo ^ chunk[i]!) & 0xff;
      lo = (tLo[idx]! ^ ((lo >>> 8) | ((hi & 0xff) << 24))) >>> 0;
      hi = (tHi[idx]! ^ (hi >>> 8)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
  digest(): string {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out.toString("base64");
  }
}

/** A pass-through stream that computes one checksum of what flows through it. */
export class ChecksumTap extends Transform {
  private readonly checksum: Checksum;
  private result: string | undefined;
  constructor(readonly algorithm: ChecksumAlgorithm) {
    super();
    this.checksum = createChecksum(algorithm);
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.checksum.update(chunk);
    callback(null, chunk);
  }
  /** The checksum of every byte that passed, base64. */
  value(): string {
    this.result ??= this.checksum.digest();
    return this.result;
  }
}
