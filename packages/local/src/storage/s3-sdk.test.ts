import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { Readable } from "node:stream";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeEventKey } from "@media/core/keys";
import { errorCode, OTHER_BUCKET, S3, startTestS3, until, TEST_BUCKET, TEST_CREDENTIALS, TEST_ORIGIN, TEST_REGION, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * The calls the S3 adapter makes with the real S3Client (header SigV4), once with
 * requestChecksumCalculation WHEN_REQUIRED (what the adapter configures) and once with the SDK's
 * default, which adds CRC32 checksums and sends streamed bodies aws-chunked with a checksum trailer.
 */
let t: TestS3;

beforeAll(async () => {
  t = await startTestS3();
});
afterAll(async () => {
  await t.stop();
});
beforeEach(() => {
  t.clock.offsetMs = 0;
});

const md5 = (data: Buffer) => `"${createHash("md5").update(data).digest("hex")}"`;

for (const mode of ["WHEN_REQUIRED", "default"] as const) {
  describe(`S3Client (${mode} checksums)`, () => {
    const prefix = `users/sdk-${mode}/`;

    it("puts (string, buffer and stream bodies), heads and gets", async () => {
      const client = t.client(mode);
      const buffer = randomBytes(70_000);
      await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}text.txt`, Body: "hello world", ContentType: "text/plain" }));
      const put = await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}buffer.bin`, Body: buffer, ContentType: "application/octet-stream" }));
      expect(put.ETag).toBe(md5(buffer));
      await client.send(
        new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}stream.bin`, Body: Readable.from([buffer.subarray(0, 30_000), buffer.subarray(30_000)]), ContentLength: buffer.length }),
      );

      // The default client sends CRC32 (a header, or an aws-chunked trailer for the stream), verified and kept.
      const stored = await t.s3.store.head(TEST_BUCKET, `${prefix}stream.bin`);
      if (mode === "default") expect(Object.keys(stored?.checksums ?? {})).toEqual(["CRC32"]);
      else expect(stored?.checksums).toBeUndefined();

      const head = await client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}text.txt` }));
      expect(head).toMatchObject({ ContentType: "text/plain", ContentLength: 11, ETag: md5(Buffer.from("hello world")) });
      for (const name of ["buffer.bin", "stream.bin"]) {
        const get = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}${name}` }));
        expect(Buffer.from(await get.Body!.transformToByteArray()).equals(buffer)).toBe(true);
        expect(get.ETag).toBe(md5(buffer));
      }
      const range = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}buffer.bin`, Range: "bytes=100-199" }));
      expect(range.ContentRange).toBe(`bytes 100-199/${buffer.length}`);
      expect(Buffer.from(await range.Body!.transformToByteArray()).equals(buffer.subarray(100, 200))).toBe(true);
    });

    it("lists a prefix page by page and deletes it with DeleteObjects", async () => {
      const client = t.client(mode);
      const listPrefix = `${prefix}many/`;
      const keys = Array.from({ length: 5 }, (_, i) => `${listPrefix}file ${i}.bin`);
      for (const key of keys) await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: key }));

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: listPrefix, MaxKeys: 2, ContinuationToken: token }));
        pages += 1;
        seen.push(...(page.Contents ?? []).map((c) => c.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expect(seen).toEqual(keys);
      expect(pages).toBe(3);

      const grouped = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix, Delimiter: "/" }));
      expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual([listPrefix]);

      const before = t.events.length;
      const deleted = await client.send(new S3.DeleteObjectsCommand({ Bucket: TEST_BUCKET, Delete: { Objects: seen.map((Key) => ({ Key })) } }));
      expect(deleted.Deleted?.map((d) => d.Key)).toEqual(keys);
      expect(deleted.Errors ?? []).toEqual([]);
      const removed = t.events.slice(before);
      expect(removed.map((e) => e.eventName)).toEqual(keys.map(() => "ObjectRemoved:Delete"));
      expect(removed.map((e) => e.s3.object.key)).toEqual(keys.map(encodeEventKey));
      const after = await client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: listPrefix }));
      expect(after.KeyCount).toBe(0);
    });

    it("deletes one object; heads and gets of a missing key fail as on S3", async () => {
      const client = t.client(mode);
      const key = `${prefix}gone.txt`;
      await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "x" }));
      await client.send(new S3.DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      await expect(client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }))).rejects.toMatchObject({ name: "NotFound", $metadata: { httpStatusCode: 404 } });
      await expect(client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }))).rejects.toMatchObject({ name: "NoSuchKey" });
      // Deleting what is not there succeeds, as on S3.
      await client.send(new S3.DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    });

    it("refuses a checksum or Content-MD5 that does not match the body, storing nothing", async () => {
      const client = t.client(mode);
      const key = `${prefix}bad-digest.txt`;
      await expect(client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "payload", ChecksumCRC32: "AAAAAA==" }))).rejects.toMatchObject({ name: "BadDigest" });
      await expect(
        client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: "payload", ContentMD5: createHash("md5").update("other").digest("base64") })),
      ).rejects.toMatchObject({ name: "BadDigest" });
      expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
    });
  });
}

describe("header authentication refusals", () => {
  it("a wrong secret: SignatureDoesNotMatch", async () => {
    const client = new S3.S3Client({ region: TEST_REGION, endpoint: t.s3.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { ...TEST_CREDENTIALS, secretAccessKey: "wrong" } });
    await expect(client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: "users/x/wrong-secret", Body: "x" }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    client.destroy();
    expect(await t.s3.store.head(TEST_BUCKET, "users/x/wrong-secret")).toBeUndefined();
  });

  it("an unknown access key: InvalidAccessKeyId", async () => {
    const client = new S3.S3Client({ region: TEST_REGION, endpoint: t.s3.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: "AKIANOBODY", secretAccessKey: "x" } });
    await expect(client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: "users/x" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET }))).rejects.toMatchObject({ name: "InvalidAccessKeyId" });
    client.destroy();
  });

  it("a clock more than 15 minutes off: RequestTimeTooSkewed", async () => {
    t.clock.offsetMs = 16 * 60 * 1000;
    await expect(t.client().send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET }))).rejects.toMatchObject({ name: "RequestTimeTooSkewed" });
  });

  it("the wrong region: AuthorizationHeaderMalformed naming the right one", async () => {
    const client = new S3.S3Client({ region: "eu-west-1", endpoint: t.s3.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: TEST_CREDENTIALS });
    await expect(client.send(new S3.ListObjectsV2Command({ Bucket: TEST_BUCKET }))).rejects.toMatchObject({ name: "AuthorizationHeaderMalformed" });
    client.destroy();
  });

  it("a body whose SHA-256 differs from the signed x-amz-content-sha256: XAmzContentSHA256Mismatch", async () => {
    const key = "users/x/sha-mismatch";
    const body = Buffer.from("the body actually sent");
    const { status, text } = await signedRaw("PUT", `/${TEST_BUCKET}/users/x/sha-mismatch`, body, createHash("sha256").update("something else").digest("hex"));
    expect({ status, code: errorCode(text) }).toEqual({ status: 400, code: "XAmzContentSHA256Mismatch" });
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
    const ok = await signedRaw("PUT", `/${TEST_BUCKET}/users/x/sha-ok`, body, createHash("sha256").update(body).digest("hex"));
    expect(ok.status).toBe(200);
  });

  it("a malformed aws-chunked body is answered with 400 IncompleteBody, not a reset", async () => {
    const chunked = { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32" };
    const bad = await signedRaw("PUT", `/${TEST_BUCKET}/users/x/chunked`, Buffer.from("zz\r\nhello\r\n0\r\n\r\n"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", chunked);
    expect({ status: bad.status, code: errorCode(bad.text) }).toEqual({ status: 400, code: "IncompleteBody" });
    const wrongTrailer = await signedRaw(
      "PUT",
      `/${TEST_BUCKET}/users/x/chunked`,
      Buffer.from("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"),
      "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      chunked,
    );
    expect({ status: wrongTrailer.status, code: errorCode(wrongTrailer.text) }).toEqual({ status: 400, code: "BadDigest" });
    expect(await t.s3.store.head(TEST_BUCKET, "users/x/chunked")).toBeUndefined();
    const good = await signedRaw(
      "PUT",
      `/${TEST_BUCKET}/users/x/chunked`,
      Buffer.from("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"),
      "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      chunked,
    );
    expect(good.status).toBe(200);
    expect((await t.s3.store.head(TEST_BUCKET, "users/x/chunked"))?.size).toBe(5);
  });

  it("a PUT cut off mid-body leaves no object and no temp file", async () => {
    const url = new URL(t.s3.endpoint);
    const path = `/${TEST_BUCKET}/users/x/cut-put`;
    const size = 4 * 1024 * 1024;
    const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
    const signed = await signer.sign(
      new HttpRequest({ method: "PUT", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, "content-length": String(size), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }),
      { signingDate: new Date() },
    );
    const loggedBefore = t.logged.length;
    let tempSeen = false;
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path, method: "PUT", headers: signed.headers });
      req.on("error", () => resolve());
      req.write(randomBytes(size / 2), () => {
        void until(async () => (await t.files()).some((f) => f.includes(".tmp-"))).then(() => {
          tempSeen = true;
          req.destroy();
          resolve();
        });
      });
    });
    expect(tempSeen).toBe(true);
    // The refusal is logged once the PUT gave up, after its temp file was removed.
    await t.waitForLog((l) => l.fields.method === "PUT" && l.fields.s3Code === "IncompleteBody", loggedBefore);
    expect((await t.files()).some((f) => f.includes(".tmp-"))).toBe(false);
    expect(await t.s3.store.head(TEST_BUCKET, "users/x/cut-put")).toBeUndefined();
  });

  it("unknown buckets and unsupported operations answer like S3", async () => {
    const client = t.client();
    await expect(client.send(new S3.ListObjectsV2Command({ Bucket: "missing-bucket" }))).rejects.toMatchObject({ name: "NoSuchBucket" });
    await expect(client.send(new S3.CopyObjectCommand({ Bucket: TEST_BUCKET, Key: "users/x/copy", CopySource: `${TEST_BUCKET}/users/x/sha-ok` }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 501 },
    });
    await client.send(new S3.HeadBucketCommand({ Bucket: OTHER_BUCKET }));
  });
});

describe("CORS", () => {
  async function preflight(origin: string | undefined, method: string, headers?: string, bucket = TEST_BUCKET) {
    const h: Record<string, string> = { "Access-Control-Request-Method": method };
    if (origin) h.Origin = origin;
    if (headers) h["Access-Control-Request-Headers"] = headers;
    return fetch(`${t.s3.endpoint}/${bucket}`, { method: "OPTIONS", headers: h });
  }

  it("answers an allowed preflight from the bucket's rules, ETag exposed", async () => {
    const response = await preflight(TEST_ORIGIN, "POST", "content-type,x-requested-with");
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(TEST_ORIGIN);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toBe("content-type, x-requested-with");
    expect(response.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(response.headers.get("access-control-max-age")).toBe("3000");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("matches wildcard origins", async () => {
    const response = await preflight("http://app.example.test", "GET");
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://app.example.test");
  });

  it("refuses a preflight no rule allows with 403, as S3 does", async () => {
    for (const [origin, method] of [
      ["http://evil.test", "POST"],
      [TEST_ORIGIN, "DELETE"],
    ] as const) {
      const response = await preflight(origin, method);
      expect(response.status).toBe(403);
      expect(errorCode(await response.text())).toBe("AccessForbidden");
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
    const noCors = await preflight(TEST_ORIGIN, "GET", undefined, OTHER_BUCKET);
    expect(noCors.status).toBe(403);
    const noOrigin = await preflight(undefined, "GET");
    expect(noOrigin.status).toBe(400);
  });
});

/** A PUT signed by hand with the SDK's signer, declaring `payloadHash` whatever the body is. */
async function signedRaw(method: string, path: string, body: Buffer, payloadHash: string, extraHeaders: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const url = new URL(t.s3.endpoint);
  const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({
      method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { host: url.host, "content-length": String(body.length), "x-amz-content-sha256": payloadHash, ...extraHeaders },
    }),
    { signingDate: new Date(Date.now() + t.clock.offsetMs) },
  );
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
