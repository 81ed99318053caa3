import { createWriteStream } from "node:fs";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WritebackPacer } from "./writeback";

const MiB = 1024 * 1024;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "writeback-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `count` MiB, each MiB filled with its index, so a misplaced or lost MiB shows. */
function mebibytes(count: number): Readable {
  return Readable.from(Array.from({ length: count }, (_, i) => Buffer.alloc(MiB, i % 251)));
}

describe("WritebackPacer", () => {
  it("passes every byte through, in order, across several early flushes, and the file closes after them", async () => {
    const path = join(dir, "f");
    const file = await open(path, "wx");
    await pipeline(mebibytes(140), new WritebackPacer(file), createWriteStream(path, { fd: file, flush: true }));
    expect(file.fd).toBe(-1); // closed by the stream
    expect((await stat(path)).size).toBe(140 * MiB);
    const bytes = await readFile(path);
    for (const i of [0, 63, 64, 127, 128, 139]) expect(bytes[i * MiB]).toBe(i % 251);
  });

  it("fails the write when an early flush fails (the final fsync may not see that error again)", async () => {
    const file = await open(join(dir, "g"), "wx");
    await file.close(); // every datasync on it now fails (EBADF)
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    await expect(pipeline(mebibytes(130), new WritebackPacer(file), sink)).rejects.toMatchObject({ code: "EBADF" });
  });
});
