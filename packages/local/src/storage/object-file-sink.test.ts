import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectFileSink, WRITEBACK_BYTES } from "./object-file-sink";
import { ObjectStore } from "./object-store";

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");

/** `data` cut into chunks of the given sizes, in turn (so batch edges fall inside chunks). */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(chunks);
}

let dir: string;
let files = 0;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "object-file-sink-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Streams `data` (cut into chunks of `sizes`) through a sink into a new file; what it measured and what the file holds. */
async function meter(data: Buffer, sizes: number[]): Promise<{ hex: string; size: number; passed: Buffer }> {
  const path = join(dir, `f${files++}`);
  const file = await open(path, "wx");
  try {
    const sink = new ObjectFileSink(file);
    await pipeline(chunked(data, sizes), sink);
    return { hex: await sink.digestHex(), size: sink.size, passed: await readFile(path) };
  } finally {
    await file.close();
  }
}

describe("ObjectFileSink", () => {
  it("measures small bodies (hashed inline) exactly, empty included", async () => {
    for (const length of [0, 1, 5, 65_536, MiB]) {
      const data = randomBytes(length);
      const out = await meter(data, [7_001, 65_536]);
      expect({ hex: out.hex, size: out.size }).toEqual({ hex: md5(data), size: length });
      expect(out.passed.equals(data)).toBe(true);
    }
  });

  it("measures bodies larger than a batch (hashed on the worker) exactly, whatever the chunk sizes", async () => {
    for (const [length, sizes] of [
      [MiB + 1, [MiB + 1]],
      [5 * MiB + 12_345, [65_536, 1, 3 * MiB, 999_999]],
      [9 * MiB, [4 * MiB]],
    ] as Array<[number, number[]]>) {
      const data = randomBytes(length);
      const out = await meter(data, sizes);
      expect(out.size).toBe(length);
      expect(out.hex).toBe(md5(data));
      expect(out.passed.equals(data)).toBe(true);
    }
  });

  it("keeps concurrent uploads' hashes apart", async () => {
    const bodies = [randomBytes(3 * MiB + 7), randomBytes(2 * MiB), randomBytes(6 * MiB - 1)];
    const results = await Promise.all(bodies.map((b, i) => meter(b, [65_536 + i * 4_099])));
    expect(results.map((r) => r.hex)).toEqual(bodies.map(md5));
  });

  it("writes every byte in place across several early flushes (more batches than it holds at once)", async () => {
    const length = WRITEBACK_BYTES + 5 * MiB + 3;
    // Each MiB filled with its index, so a misplaced or lost MiB shows; not random, to keep the test light.
    const data = Buffer.alloc(length);
    for (let i = 0; i * MiB < length; i++) data.fill(i % 251, i * MiB, Math.min(length, (i + 1) * MiB));
    const out = await meter(data, [65_536]);
    expect(out.size).toBe(length);
    expect(out.passed.equals(data)).toBe(true);
    expect(out.hex).toBe(md5(data));
  });

  it("fails when the file cannot be written, and the stream does not finish", async () => {
    const path = join(dir, "closed");
    const file = await open(path, "wx");
    await file.close(); // every write and sync on it now fails (EBADF)
    await expect(pipeline(chunked(randomBytes(3 * MiB), [65_536]), new ObjectFileSink(file))).rejects.toMatchObject({ code: "EBADF" });
    await expect(pipeline(Readable.from([Buffer.from("small")]), new ObjectFileSink(file))).rejects.toMatchObject({ code: "EBADF" });
    expect((await stat(path)).size).toBe(0);
  });

  it("gives the store's ETag of a multi-MiB object, and a failed upload still leaves nothing", async () => {
    const store = await ObjectStore.open(dir, ["media"]);
    const data = randomBytes(4 * MiB + 3);
    const stored = await store.write("media", "users/a/big", chunked(data, [65_536]), { attributes: { contentType: "audio/wav", userMetadata: {} } });
    expect(stored.etag).toBe(`"${md5(data)}"`);
    expect(stored.size).toBe(data.length);
    const readBack = await store.createReadStream("media", "users/a/big");
    const chunks: Buffer[] = [];
    for await (const chunk of readBack!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);

    // A body that breaks after several batches went to the worker. Fed as the store reads it, not on a
    // timer: a timer could break the body before the store had started reading it (a busy machine delays
    // the store's start by more than the feed's few milliseconds), and the error then had no listener.
    let sent = 0;
    const broken = new Readable({
      read() {
        if (sent < 3 * MiB) {
          sent += MiB / 2;
          this.push(randomBytes(MiB / 2));
        } else {
          // As a socket's reset arrives: after the read that asked for more, not inside it.
          setImmediate(() => this.destroy(new Error("client went away")));
        }
      },
    });
    await expect(store.write("media", "users/a/cut", broken, { attributes: { contentType: "audio/wav", userMetadata: {} } })).rejects.toThrow("client went away");
    expect((await store.filesOnDisk("media")).filter((f) => !f.endsWith(".json"))).toHaveLength(1);
    expect(await store.head("media", "users/a/cut")).toBeUndefined();

    // The next large upload after a failure is measured correctly again.
    const again = randomBytes(2 * MiB + 1);
    const second = await store.write("media", "users/a/again", chunked(again, [100_000]), { attributes: { contentType: "audio/wav", userMetadata: {} } });
    expect(second.etag).toBe(`"${md5(again)}"`);
  });
});
