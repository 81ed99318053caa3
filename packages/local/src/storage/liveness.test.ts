import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { storageLiveness } from "./liveness";
import { startLocalS3, type LocalS3 } from "./s3-server";
import { TEST_CREDENTIALS, TEST_REGION } from "@media/testing/local-s3-storage";

describe("storage liveness probe", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function start(): Promise<{ s3: LocalS3; logged: string[] }> {
    const dataDir = await mkdtemp(join(tmpdir(), "liveness-"));
    const logged: string[] = [];
    const log = { info: (m: string) => void logged.push(m), warn: (m: string) => void logged.push(m), error: (m: string) => void logged.push(m) };
    const s3 = await startLocalS3({ dataDir, region: TEST_REGION, credentials: TEST_CREDENTIALS, buckets: [{ name: "media-a" }, { name: "media-b" }], log });
    cleanups.push(async () => {
      await s3.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    return { s3, logged };
  }

  it("passes with a signed HeadBucket on every bucket, and logs no refusal", async () => {
    const { s3, logged } = await start();
    await expect(s3.alive()).resolves.toBeUndefined();
    await expect(s3.alive()).resolves.toBeUndefined();
    expect(logged).toEqual([]);
  });

  it("fails once the server is down", async () => {
    const { s3 } = await start();
    await s3.close();
    await expect(s3.alive(1000)).rejects.toThrow();
  });

  it("fails when the server refuses the probe (wrong key, unknown bucket)", async () => {
    const { s3, logged } = await start();
    const wrongKey = storageLiveness({ endpoint: s3.endpoint, region: TEST_REGION, credentials: { ...TEST_CREDENTIALS, secretAccessKey: "not-the-secret-0123456789abcdef" }, buckets: ["media-a"] });
    await expect(wrongKey()).rejects.toThrow(/HeadBucket media-a with 403/);
    const unknownBucket = storageLiveness({ endpoint: s3.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, buckets: ["media-a", "media-gone"] });
    await expect(unknownBucket()).rejects.toThrow(/HeadBucket media-gone with 404/);
    expect(logged).toHaveLength(2); // the two refusals are real ones, and logged as such
  });
});
