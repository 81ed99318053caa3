import { describe, expect, it } from "vitest";
import { createChecksum, type ChecksumAlgorithm } from "./checksums";

/** Check values of the CRC catalogue ("123456789"), and the SDK's base64 big-endian encoding. */
const check = Buffer.from("123456789");
const hexToB64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

describe("checksums", () => {
  it.each<[ChecksumAlgorithm, string]>([
    ["CRC32", hexToB64("cbf43926")],
    ["CRC32C", hexToB64("e3069283")],
    ["CRC64NVME", hexToB64("ae8b14860a799888")],
    ["SHA1", hexToB64("f7c3bc1d808e04732adf679965ccc34ca7ae3441")],
    ["SHA256", hexToB64("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225")],
  ])("%s of '123456789'", (algorithm, expected) => {
    const whole = createChecksum(algorithm);
    whole.update(check);
    expect(whole.digest()).toBe(expected);
    const pieces = createChecksum(algorithm);
    for (const part of [check.subarray(0, 2), check.subarray(2, 7), check.subarray(7)]) pieces.update(part);
    expect(pieces.digest()).toBe(expected);
  });

  it("matches the SDK's CRC32 of 'hello world'", () => {
    // Seen on the wire: PutObject "hello world" → x-amz-checksum-crc32: DUoRhQ==
    const crc = createChecksum("CRC32");
    crc.update(Buffer.from("hello world"));
    expect(crc.digest()).toBe("DUoRhQ==");
  });
});
