import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_NAME_FIELD } from "@media/core/object-metadata";
import type { ObjectStorage } from "@media/core/ports";
import { createS3ObjectStorage } from "@media/functions/adapters/s3-object-storage";
import { errorCode, errorMessage, postForm, startTestS3, TEST_BUCKET, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * The file name stored with an upload as S3 user metadata (x-amz-meta-file-name), through the real
 * adapter against the local S3: the policy binds it, the storage keeps it and answers with it on HEAD and
 * GET as S3 does, and the listing pages through a prefix.
 */
let t: TestS3;
let storage: ObjectStorage;

beforeAll(async () => {
  t = await startTestS3();
  // The S3Client type of the functions' SDK copy, which is the one the adapter was written against.
  storage = createS3ObjectStorage({ client: t.client() as never, bucket: TEST_BUCKET });
});
afterAll(async () => {
  await t.stop();
});

const USER = "users/3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b";

describe("file name as object metadata", () => {
  it("stores the encoded name from the POST form and returns it on HEAD (decoded by the adapter) and GET", async () => {
    const key = `${USER}/01J00000000000000000000M01`;
    const name = "Ünïcödé 🎵 \"quoted\" 100%.mp3";
    const post = await storage.presignPost({ key, contentType: "audio/mpeg", maxBytes: 10, expiresSeconds: 60, fileName: name });
    expect(post.fields[FILE_NAME_FIELD]).toBe(encodeURIComponent(name));
    expect(post.fields[FILE_NAME_FIELD]).toMatch(/^[\x21-\x7e]+$/);
    const policy = JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString("utf8")) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(["eq", `$${FILE_NAME_FIELD}`, encodeURIComponent(name)]);

    const res = await postForm(post.url, post.fields, new Blob([new Uint8Array(Buffer.from("0123456789"))]));
    expect(res.status).toBe(204);
    expect(await storage.head(key)).toMatchObject({ size: 10, contentType: "audio/mpeg", fileName: name });
    const get = await fetch(await storage.presignGet({ key, expiresSeconds: 60 }));
    expect(get.headers.get(FILE_NAME_FIELD)).toBe(encodeURIComponent(name));
  });

  it("refuses a form whose name differs from the one the policy binds, and one without it", async () => {
    const key = `${USER}/01J00000000000000000000M02`;
    const post = await storage.presignPost({ key, contentType: "image/png", maxBytes: 10, expiresSeconds: 60, fileName: "a.png" });
    const changed = await postForm(post.url, { ...post.fields, [FILE_NAME_FIELD]: "b.png" }, new Blob([new Uint8Array(5)]));
    const changedBody = await changed.text();
    expect({ status: changed.status, code: errorCode(changedBody) }).toEqual({ status: 403, code: "AccessDenied" });
    expect(errorMessage(changedBody)).toContain(FILE_NAME_FIELD);
    const { [FILE_NAME_FIELD]: _dropped, ...without } = post.fields;
    const dropped = await postForm(post.url, without, new Blob([new Uint8Array(5)]));
    expect(dropped.status).toBe(403);
    expect(await storage.head(key)).toBeUndefined();
  });

  it("leaves objects without the metadata without a name", async () => {
    const key = `${USER}/01J00000000000000000000M03`;
    const post = await storage.presignPost({ key, contentType: "image/png", maxBytes: 10, expiresSeconds: 60 });
    expect(Object.keys(post.fields)).not.toContain(FILE_NAME_FIELD);
    expect((await postForm(post.url, post.fields, new Blob([new Uint8Array(5)]))).status).toBe(204);
    const head = await storage.head(key);
    expect(head).toMatchObject({ size: 5, contentType: "image/png" });
    expect(head?.fileName).toBeUndefined();
  });
});

describe("listing", () => {
  it("pages through a prefix in key order and only that prefix", async () => {
    const prefix = "users/0f8fad5b-d9cb-469f-a165-70867728950e/";
    const keys = Array.from({ length: 5 }, (_, i) => `${prefix}01J00000000000000000000L0${i}`);
    for (const [i, key] of keys.entries()) await storage.put(key, Buffer.alloc(i + 1), "image/png");
    await storage.put("derived/0f8fad5b-d9cb-469f-a165-70867728950e/x/thumbnail.webp", Buffer.alloc(1), "image/webp");

    const seen: Array<{ key: string; size: number }> = [];
    let continuation: string | undefined;
    let pages = 0;
    do {
      const page = await storage.list({ prefix, continuation, limit: 2 });
      seen.push(...page.objects);
      continuation = page.next;
      pages += 1;
    } while (continuation);
    expect(pages).toBe(3);
    expect(seen).toEqual(keys.map((key, i) => ({ key, size: i + 1 })));
  });
});
