import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectStore, SequencerClock } from "./object-store";
import { S3Error } from "./s3-errors";

let dir: string;
let store: ObjectStore;
const attributes = { contentType: "image/png", userMetadata: {} };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "object-store-"));
  store = await ObjectStore.open(dir, ["media"]);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function allFiles(root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(path)));
    else out.push(relative(dir, path));
  }
  return out.sort();
}

const body = (text: string) => Readable.from([Buffer.from(text)]);
const readAll = async (stream: Readable | undefined) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe("ObjectStore", () => {
  it("writes an object with its metadata sidecar and reads it back", async () => {
    const stored = await store.write("media", "users/a/1", body("hello"), { attributes });
    expect(stored).toMatchObject({ key: "users/a/1", size: 5, etag: '"5d41402abc4b2a76b9719d911017c592"', contentType: "image/png" });
    expect(await store.head("media", "users/a/1")).toEqual(stored);
    expect(await readAll(await store.createReadStream("media", "users/a/1"))).toBe("hello");
    const files = await allFiles();
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".data"))).toHaveLength(1);
    expect(files.some((f) => f.includes("users"))).toBe(false);
  });

  it("names files by hash, so no key can reach outside the bucket directory", async () => {
    // S3 stores `..` and `.` segments as plain key text; so does the store, under the key's hash.
    const keys = ["/etc/passwd", "a\\..\\..\\b", "%2e%2e/x", "users/ünï/😀", "../escape", "users/../../escape", "./x", "a/./b"];
    for (const key of keys) await store.write("media", key, body(key), { attributes });
    for (const file of await allFiles()) expect(file.startsWith(join("buckets", "media", "objects"))).toBe(true);
    expect((await store.list("media")).map((o) => o.key).sort()).toEqual([...keys].sort());
    for (const key of ["a\u0000b", ""]) await expect(store.write("media", key, body("x"), { attributes })).rejects.toBeInstanceOf(S3Error);
    await expect(store.write("media", "users/a\u008ab", body("x"), { attributes })).rejects.toMatchObject({ code: "InvalidURI", status: 400 });
    await expect(store.write("media", "k".repeat(1025), body("x"), { attributes })).rejects.toMatchObject({ code: "KeyTooLongError" });
    await expect(store.write("other", "k", body("x"), { attributes })).rejects.toMatchObject({ code: "NoSuchBucket" });
  });

  it("overwrites in one switch, removes the old bytes and raises the sequencer", async () => {
    const first = await store.write("media", "k", body("one"), { attributes });
    const second = await store.write("media", "k", body("two!"), { attributes });
    expect(second.sequencer > first.sequencer).toBe(true);
    expect(await readAll(await store.createReadStream("media", "k"))).toBe("two!");
    expect((await allFiles()).filter((f) => f.endsWith(".data"))).toHaveLength(1);
  });

  it("keeps one version when the same key is written concurrently", async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.write("media", "k", body(`v${i}`), { attributes })));
    expect((await allFiles()).filter((f) => f.endsWith(".data"))).toHaveLength(1);
    expect(await readAll(await store.createReadStream("media", "k"))).toMatch(/^v\d$/);
  });

  it("leaves nothing behind when the body fails or the commit check refuses", async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error("client went away"));
      },
    });
    await expect(store.write("media", "k", failing, { attributes })).rejects.toThrow("client went away");
    await expect(
      store.write("media", "k", body("hello"), {
        attributes,
        beforeCommit: () => {
          throw new Error("too small");
        },
      }),
    ).rejects.toThrow("too small");
    expect((await allFiles()).filter((f) => !f.endsWith("/"))).toEqual([]);
    expect(await store.head("media", "k")).toBeUndefined();
  });

  it("keeps an open read valid while the object is overwritten or deleted", async () => {
    await store.write("media", "k", body("original"), { attributes });
    const opened = await store.openForRead("media", "k");
    await store.write("media", "k", body("replacement"), { attributes });
    await store.delete("media", "k");
    const text = await readAll(opened!.handle.createReadStream());
    expect(text).toBe("original");
  });

  it("deletes the sidecar and bytes and returns a later sequencer", async () => {
    const stored = await store.write("media", "k", body("x"), { attributes });
    const removed = await store.delete("media", "k");
    expect(removed?.removed.key).toBe("k");
    expect(removed!.sequencer > stored.sequencer).toBe(true);
    expect(await store.delete("media", "k")).toBeUndefined();
    expect(await allFiles()).toEqual([]);
  });

  it("lists keys under a prefix in UTF-8 byte order", async () => {
    for (const key of ["b", "a/2", "a/10", "a/\uFF21", "a/\u{1F600}", "c"]) await store.write("media", key, body(key), { attributes });
    expect((await store.list("media", "a/")).map((o) => o.key)).toEqual(["a/10", "a/2", "a/\uFF21", "a/\u{1F600}"]);
  });

  it("sweeps temp files and unreferenced data files left by a crash", async () => {
    await store.write("media", "k", body("kept"), { attributes });
    const objects = join(dir, "buckets", "media", "objects", "ab");
    await mkdir(objects, { recursive: true });
    await writeFile(join(objects, ".tmp-deadbeef"), "half an upload");
    await writeFile(join(objects, `${"ab".padEnd(64, "0")}.0011223344556677.data`), "orphan");
    const reopened = await ObjectStore.open(dir, ["media"]);
    expect((await allFiles()).filter((f) => f.includes(".tmp-") || f.includes("0011223344556677"))).toEqual([]);
    expect(await readAll(await reopened.createReadStream("media", "k"))).toBe("kept");
  });
});

describe("SequencerClock", () => {
  it("is strictly increasing, fixed-width hex, and above a given floor", () => {
    const clock = new SequencerClock();
    const values = Array.from({ length: 1000 }, () => clock.next());
    for (let i = 1; i < values.length; i++) expect(values[i]! > values[i - 1]!).toBe(true);
    expect(values[0]).toMatch(/^[0-9A-F]{18}$/);
    const floor = "0FFFFFFFFFFFFFFFFF";
    expect(clock.next(floor) > floor).toBe(true);
  });
});
