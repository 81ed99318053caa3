import { afterEach, describe, expect, it, vi } from "vitest";
import { minimalFunctionEnv } from "@media/testing/function-env";
import { parseConfig } from "../config";
import { objectStorageOnFirstUse } from "./storage-on-first-use";

/** How many times the S3 storage was built: the stand-in must build it once, at its first call. */
const built = vi.hoisted(() => ({ count: 0 }));
vi.mock("./s3-storage", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./s3-storage")>();
  return {
    buildS3Storage: (...args: Parameters<typeof actual.buildS3Storage>) => {
      built.count++;
      return actual.buildS3Storage(...args);
    },
  };
});

const cfg = parseConfig(minimalFunctionEnv());

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the media bucket loaded at its first use", () => {
  it("builds nothing until called, then passes each call with its arguments to one S3 storage, and its answer back", async () => {
    // Signing needs credentials, from the environment as on Lambda; no request is sent.
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDFIRSTUSE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "first-use-secret");
    const { storage } = objectStorageOnFirstUse(cfg);
    expect(built.count).toBe(0);
    // Presigning is computed locally: the S3 storage's own answer, for this bucket, key and lifetime.
    const [first, second] = await Promise.all([
      storage.presignGet({ key: "users/u1/f1", expiresSeconds: 60, disposition: 'attachment; filename="a.png"' }),
      storage.presignGet({ key: "users/u1/f2", expiresSeconds: 120 }),
    ]);
    expect(built.count).toBe(1);
    const url = new URL(first);
    expect(url.pathname).toBe("/users/u1/f1");
    expect(url.hostname).toBe("media-bucket.s3.eu-central-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(url.searchParams.get("response-content-disposition")).toBe('attachment; filename="a.png"');
    expect(new URL(second).searchParams.get("X-Amz-Expires")).toBe("120");
    const post = await storage.presignPost({ key: "users/u1/f3", contentType: "image/png", maxBytes: 1000, expiresSeconds: 300 });
    expect(post.fields).toMatchObject({ key: "users/u1/f3", "Content-Type": "image/png" });
    expect(built.count).toBe(1);
  });

  it("starts loading when asked to, ahead of the first call, and builds the storage once", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDFIRSTUSE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "first-use-secret");
    const before = built.count;
    const { storage, preload } = objectStorageOnFirstUse(cfg);
    preload();
    preload();
    await expect.poll(() => built.count).toBe(before + 1);
    expect(new URL(await storage.presignGet({ key: "users/u1/f1", expiresSeconds: 60 })).pathname).toBe("/users/u1/f1");
    expect(built.count).toBe(before + 1);
  });
});
