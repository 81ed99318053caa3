import { get, request } from "node:http";
import { Readable } from "node:stream";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPresignedPost, errorCode, getSignedUrl, postForm, S3, sendSigned, startTestS3, until, TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION, type S3ClientType, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * Where the local storage used to answer differently from S3 (issue 21, "S3's own answers"), each
 * checked with the real S3Client: keys, CreateBucket, listing parameters, Content-Encoding lists,
 * UTF-8 metadata, conditional writes, ACLs and SSE-C.
 */
let t: TestS3;
let client: S3ClientType;

beforeAll(async () => {
  t = await startTestS3();
  client = t.client();
});
afterAll(async () => {
  await t.stop();
});

describe("keys", () => {
  it("stores and serves keys with `.` and `..` segments as ordinary keys", async () => {
    const keys = ["users/k/../x", "users/k/./y", "users/k/.."];
    for (const key of keys) await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: key }));
    for (const key of keys) {
      const get = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(await get.Body!.transformToString()).toBe(key);
    }
    const listed = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: "users/k/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["users/k/..", "users/k/../x", "users/k/./y"]);
    expect((await t.files()).every((f) => f.startsWith("buckets/"))).toBe(true);
  });

  it("answers 400 InvalidURI for a key with U+008A, whatever the operation", async () => {
    const key = "users/k/line\u008abreak";
    const invalid = { name: "InvalidURI", $metadata: { httpStatusCode: 400 } };
    await expect(client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "x" }))).rejects.toMatchObject(invalid);
    await expect(client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }))).rejects.toMatchObject(invalid);
    await expect(client.send(new S3.DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }))).rejects.toMatchObject(invalid);
  });
});

describe("buckets", () => {
  it("answers CreateBucket with 501 NotImplemented, for a new name as for a configured one", async () => {
    for (const bucket of ["brand-new-bucket", TEST_BUCKET]) {
      await expect(client.send(new S3.CreateBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: "NotImplemented", $metadata: { httpStatusCode: 501 } });
    }
    await expect(client.send(new S3.DeleteBucketCommand({ Bucket: "brand-new-bucket" }))).rejects.toMatchObject({ name: "NoSuchBucket" });
  });
});

describe("listing", () => {
  const prefix = "users/list-answers/";
  beforeAll(async () => {
    for (const name of ["a", "b", "c"]) await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}${name}`, Body: name }));
  });

  it("max-keys=0 lists nothing and is not truncated (v1 and v2)", async () => {
    const v2 = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix, MaxKeys: 0 }));
    expect({ truncated: v2.IsTruncated, count: v2.KeyCount, contents: v2.Contents, token: v2.NextContinuationToken }).toEqual({
      truncated: false,
      count: 0,
      contents: undefined,
      token: undefined,
    });
    const v1 = await client.send(new S3.ListObjectsCommand({ Bucket: TEST_BUCKET, Prefix: prefix, MaxKeys: 0 }));
    expect({ truncated: v1.IsTruncated, contents: v1.Contents }).toEqual({ truncated: false, contents: undefined });
  });

  it("reads an empty continuation token as none and echoes it", async () => {
    const response = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix, ContinuationToken: "" }));
    expect(response.ContinuationToken).toBe("");
    expect(response.Contents?.map((c) => c.Key)).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}c`]);
    expect(response.IsTruncated).toBe(false);
  });

  it("names each object's owner with fetch-owner=true, not without it; v1 always names it", async () => {
    const withOwner = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix, FetchOwner: true }));
    const owners = withOwner.Contents?.map((c) => c.Owner?.ID) ?? [];
    expect(owners).toHaveLength(3);
    for (const id of owners) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(owners).size).toBe(1);
    const without = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix }));
    expect(without.Contents?.every((c) => c.Owner === undefined)).toBe(true);
    const v1 = await client.send(new S3.ListObjectsCommand({ Bucket: TEST_BUCKET, Prefix: prefix }));
    expect(v1.Contents?.map((c) => c.Owner?.ID)).toEqual(owners);
  });
});

describe("Content-Encoding", () => {
  for (const mode of ["WHEN_REQUIRED", "default"] as const) {
    it(`keeps a list's own spacing, without aws-chunked (${mode} checksums)`, async () => {
      const sdk = t.client(mode);
      const key = `users/encoding/${mode}`;
      // A stream body: the default client sends it aws-chunked, adding aws-chunked to the list.
      await sdk.send(
        new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: Readable.from([Buffer.from("zz")]), ContentLength: 2, ContentEncoding: "gzip, br" }),
      );
      const head = await sdk.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(head.ContentEncoding).toBe("gzip, br");
    });
  }
});

describe("UTF-8 metadata", () => {
  const rfc2047 = (text: string) => `=?UTF-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;

  it("accepts a signature over UTF-8 x-amz-meta-* bytes, stores the text and answers it RFC 2047-encoded", async () => {
    const key = "users/meta/utf8";
    const name = "café ☕ 日本.png";
    const put = await sendSigned(t.s3.endpoint, { method: "PUT", path: `/${TEST_BUCKET}/${key}`, headers: { "x-amz-meta-file-name": name, "x-amz-meta-plain": "ascii" }, body: Buffer.from("x") });
    expect(put.status).toBe(200);
    expect((await t.s3.store.head(TEST_BUCKET, key))?.userMetadata).toEqual({ "file-name": name, plain: "ascii" });
    const head = await client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    expect(head.Metadata).toEqual({ "file-name": rfc2047(name), plain: "ascii" });
  });

  it("accepts the real S3Client's PutObject with UTF-8 metadata (it sends the value's UTF-8 bytes)", async () => {
    const key = "users/meta/latin1";
    await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "x", Metadata: { name: "café" } }));
    expect((await t.s3.store.head(TEST_BUCKET, key))?.userMetadata).toEqual({ name: "café" });
  });

  it("answers a POST form's UTF-8 and multi-line metadata the same way", async () => {
    const key = "users/meta/posted";
    // FormData sends line breaks as CRLF, so the policy binds that form.
    const fields = { "x-amz-meta-note": "Zoë\r\nline two" };
    const post = await createPresignedPost(client, { Bucket: TEST_BUCKET, Key: key, Fields: fields, Conditions: [["content-length-range", 1, 10]], Expires: 900 });
    expect((await postForm(post.url, post.fields, new Blob(["abc"]))).status).toBe(204);
    const head = await client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    expect(head.Metadata).toEqual({ note: rfc2047("Zoë\r\nline two") });
  });

  it("refuses metadata over 2 KB with MetadataTooLarge", async () => {
    const put = new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: "users/meta/large", Body: "x", Metadata: { big: "é".repeat(1100) } });
    await expect(client.send(put)).rejects.toMatchObject({ name: "MetadataTooLarge", $metadata: { httpStatusCode: 400 } });
    expect(await t.s3.store.head(TEST_BUCKET, "users/meta/large")).toBeUndefined();
  });

  it("sends a UTF-8 response-content-disposition back as its UTF-8 bytes", async () => {
    await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: "users/meta/dl", Body: "x" }));
    const disposition = 'attachment; filename="résumé.pdf"';
    const url = await getSignedUrl(client, new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: "users/meta/dl", ResponseContentDisposition: disposition }), { expiresIn: 60 });
    const raw = await new Promise<string | undefined>((resolve, reject) => {
      get(url, (res) => {
        res.resume();
        resolve(res.headers["content-disposition"]);
      }).on("error", reject);
    });
    expect(Buffer.from(raw ?? "", "latin1").toString("utf8")).toBe(disposition);
  });
});

describe("conditional writes", () => {
  const put = (key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string }) =>
    client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: body, ...condition }));
  const content = async (key: string) => (await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }))).Body!.transformToString();

  it("If-None-Match: * creates once, then 412 PreconditionFailed and the object is kept", async () => {
    const key = "users/cond/create-once";
    await put(key, "first", { IfNoneMatch: "*" });
    await expect(put(key, "second", { IfNoneMatch: "*" })).rejects.toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    expect(await content(key)).toBe("first");
    expect(t.events.filter((e) => e.s3.object.key === encodeURIComponent(key).replace(/%2F/g, "/"))).toHaveLength(1);
  });

  it("If-Match writes over the named ETag only: 412 for another, 404 NoSuchKey when there is no object", async () => {
    const key = "users/cond/swap";
    const first = await put(key, "one", {});
    const second = await put(key, "two", { IfMatch: first.ETag! });
    await expect(put(key, "three", { IfMatch: first.ETag! })).rejects.toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    expect(await content(key)).toBe("two");
    await put(key, "four", { IfMatch: second.ETag!.replace(/"/g, "") });
    expect(await content(key)).toBe("four");
    await expect(put("users/cond/missing", "x", { IfMatch: first.ETag! })).rejects.toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
  });

  it("If-None-Match with an ETag is not something S3 does on a write: 501", async () => {
    await expect(put("users/cond/etag", "x", { IfNoneMatch: '"abc"' })).rejects.toMatchObject({ name: "NotImplemented", $metadata: { httpStatusCode: 501 } });
  });

  it("a condition that held at the start but lost to a write landing during the upload: 409 ConditionalRequestConflict", async () => {
    const key = "users/cond/race";
    const path = `/${TEST_BUCKET}/${key}`;
    // The slow upload: headers and half its body, then it waits for the other write to land.
    const slow = await sendSignedHeadersOnly(path, { "if-none-match": "*" }, 8);
    slow.req.write(Buffer.alloc(4));
    await until(async () => (await t.files()).some((f) => f.includes(".tmp-")));
    await put(key, "fast", { IfNoneMatch: "*" });
    slow.req.end(Buffer.alloc(4));
    const answer = await slow.response;
    expect({ status: answer.status, code: errorCode(answer.text) }).toEqual({ status: 409, code: "ConditionalRequestConflict" });
    expect(await content(key)).toBe("fast");
    expect((await t.files()).some((f) => f.includes(".tmp-"))).toBe(false);
  });
});

describe("ACLs and SSE-C", () => {
  it("refuses any ACL but bucket-owner-full-control on PutObject with AccessControlListNotSupported", async () => {
    const key = "users/acl/object";
    for (const ACL of ["public-read", "private"] as const) {
      await expect(client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "x", ACL }))).rejects.toMatchObject({
        name: "AccessControlListNotSupported",
        $metadata: { httpStatusCode: 400 },
      });
    }
    const grant = await sendSigned(t.s3.endpoint, { method: "PUT", path: `/${TEST_BUCKET}/${key}`, headers: { "x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }, body: Buffer.from("x") });
    expect({ status: grant.status, code: errorCode(grant.text) }).toEqual({ status: 400, code: "AccessControlListNotSupported" });
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
    await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "x", ACL: "bucket-owner-full-control" }));
  });

  it("refuses SSE-C over plain HTTP on writes and reads, as S3 does", async () => {
    const key = "users/acl/ssec";
    const sseC = {
      "x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": Buffer.alloc(32, 7).toString("base64"),
      "x-amz-server-side-encryption-customer-key-md5": "bm90IGNoZWNrZWQgaGVyZQ==",
    };
    for (const method of ["PUT", "GET", "HEAD"]) {
      const answer = await sendSigned(t.s3.endpoint, { method, path: `/${TEST_BUCKET}/${key}`, headers: sseC, ...(method === "PUT" ? { body: Buffer.from("x") } : {}) });
      expect(answer.status).toBe(400);
      if (method !== "HEAD") expect(errorCode(answer.text)).toBe("InvalidRequest");
    }
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
  });
});

/** A signed PUT whose body the test writes itself, to hold an upload open between two steps. */
async function sendSignedHeadersOnly(path: string, headers: Record<string, string>, length: number) {
  const url = new URL(t.s3.endpoint);
  const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({ method: "PUT", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, "content-length": String(length), "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...headers } }),
    { signingDate: new Date() },
  );
  const req = request({ host: url.hostname, port: url.port, path, method: "PUT", headers: signed.headers });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
  });
  return { req, response };
}
