import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder } from "./aws-chunked";
import { S3Error } from "./s3-errors";

async function decode(parts: string[], expectedLength: number) {
  const decoder = new AwsChunkedDecoder(expectedLength);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(parts.map((p) => Buffer.from(p, "latin1"))),
    decoder,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return { body: Buffer.concat(out).toString("latin1"), trailers: Object.fromEntries(decoder.trailers) };
}

async function failure(parts: string[], expectedLength: number): Promise<string> {
  try {
    await decode(parts, expectedLength);
  } catch (error) {
    if (error instanceof S3Error) return error.code;
    throw error;
  }
  return "decoded";
}

describe("aws-chunked", () => {
  it("decodes what the SDK sends for a streamed PutObject, keeping the trailer", async () => {
    // Captured from @aws-sdk/client-s3 3.1175 (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
    expect(await decode(["b\r\nstream data\r\n0\r\nx-amz-checksum-crc32:YWa93g==\r\n\r\n"], 11)).toEqual({
      body: "stream data",
      trailers: { "x-amz-checksum-crc32": "YWa93g==" },
    });
  });

  it("decodes across arbitrary chunk boundaries and several chunks", async () => {
    const wire = "5\r\nhello\r\n6;chunk-ext=1\r\n world\r\n0\r\n\r\n";
    const split = wire.split("");
    expect(await decode(split, 11)).toEqual({ body: "hello world", trailers: {} });
  });

  it("refuses truncated, malformed or mis-sized bodies", async () => {
    expect(await failure(["5\r\nhel"], 5)).toBe("IncompleteBody");
    expect(await failure(["5\r\nhello\r\n"], 5)).toBe("IncompleteBody");
    expect(await failure(["zz\r\nhello\r\n0\r\n\r\n"], 5)).toBe("IncompleteBody");
    expect(await failure(["5\r\nhelloXX0\r\n\r\n"], 5)).toBe("IncompleteBody");
    expect(await failure(["5\r\nhello\r\n0\r\n\r\n"], 4)).toBe("IncompleteBody");
    expect(await failure(["5\r\nhello\r\n0\r\n\r\n"], 6)).toBe("IncompleteBody");
  });
});
