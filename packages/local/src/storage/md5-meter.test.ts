import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { Md5Meter } from "./md5-meter";
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

async function meter(data: Buffer, sizes: number[]): Promise<{ hex: string; size: number; passed: Buffer }> {
  const m = new Md5Meter();
  const seen: Buffer[] = [];
  await pipeline(
    chunked(data, sizes),
    m,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        seen.push(chunk);
        callback();
      },
    }),
  );
  return { hex: await m.digestHex(), size: m.size, passed: Buffer.concat(seen) };
}

describe("Md5Meter", () => {
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

  it("gives the store's ETag of a multi-MiB object, and a failed upload still leaves nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "md5-meter-"));
    try {
      const store = await ObjectStore.open(dir, ["media"]);
      const data = randomBytes(4 * MiB + 3);
      const stored = await store.write("media", "users/a/big", chunked(data, [65_536]), { attributes: { contentType: "audio/wav", userMetadata: {} } });
      expect(stored.etag).toBe(`"${md5(data)}"`);
      expect(stored.size).toBe(data.length);
      const readBack = await store.createReadStream("media", "users/a/big");
      const chunks: Buffer[] = [];
      for await (const chunk of readBack!) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);

      // A body that breaks after several batches went to the worker.
      const broken = new Readable({ read() {} });
      let sent = 0;
      const feed = setInterval(() => {
        if (sent < 3 * MiB) {
          broken.push(randomBytes(MiB / 2));
          sent += MiB / 2;
        } else {
          clearInterval(feed);
          broken.destroy(new Error("client went away"));
        }
      }, 1);
      await expect(store.write("media", "users/a/cut", broken, { attributes: { contentType: "audio/wav", userMetadata: {} } })).rejects.toThrow("client went away");
      expect((await store.filesOnDisk("media")).filter((f) => !f.endsWith(".json"))).toHaveLength(1);
      expect(await store.head("media", "users/a/cut")).toBeUndefined();

      // The next large upload after a failure is measured correctly again.
      const again = randomBytes(2 * MiB + 1);
      const second = await store.write("media", "users/a/again", chunked(again, [100_000]), { attributes: { contentType: "audio/wav", userMetadata: {} } });
      expect(second.etag).toBe(`"${md5(again)}"`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
