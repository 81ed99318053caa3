import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIN_PART_BYTES } from "./multipart-store";
import { startLocalS3 } from "./s3-server";
import { errorCode, getSignedUrl, S3, sendSigned, startTestS3, TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION, type TestS3 } from "@media/testing/local-s3-storage";

/** S3's multipart API through the real SDK, each of S3's refusals, and parts surviving a restart. */
let t: TestS3;

beforeAll(async () => {
  t = await startTestS3();
});
afterAll(async () => {
  await t.stop();
});

const md5 = (data: Buffer) => createHash("md5").update(data).digest();
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
const multipartEtag = (parts: Buffer[]) => `"${createHash("md5").update(Buffer.concat(parts.map(md5))).digest("hex")}-${parts.length}"`;

async function begin(key: string, mode: "WHEN_REQUIRED" | "default" = "WHEN_REQUIRED") {
  const client = t.client(mode);
  const created = await client.send(new S3.CreateMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key, ContentType: "audio/wav", Metadata: { "file-name": "take.wav" } }));
  const uploadId = created.UploadId!;
  const put = async (partNumber: number, body: Buffer) =>
    (await client.send(new S3.UploadPartCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }))).ETag!;
  const complete = (parts: Array<{ PartNumber: number; ETag: string }>) =>
    client.send(new S3.CompleteMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  return { client, uploadId, put, complete };
}

describe("multipart uploads", () => {
  for (const mode of ["WHEN_REQUIRED", "default"] as const) {
    it(`creates, uploads parts (replacing one), lists and completes, with S3's ETag and event (${mode} checksums)`, async () => {
      const key = `users/mp-${mode}/take.wav`;
      const { client, uploadId, put, complete } = await begin(key, mode);
      const one = randomBytes(MIN_PART_BYTES);
      const two = randomBytes(1000);
      await put(1, randomBytes(MIN_PART_BYTES)); // replaced below
      const e1 = await put(1, one);
      const e2 = await put(2, two);
      expect(e1).toBe(`"${md5(one).toString("hex")}"`);

      const listed = await client.send(new S3.ListPartsCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId }));
      expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
        [1, e1, one.length],
        [2, e2, two.length],
      ]);
      const uploads = await client.send(new S3.ListMultipartUploadsCommand({ Bucket: TEST_BUCKET, Prefix: `users/mp-${mode}/` }));
      expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[key, uploadId]]);

      const before = t.events.length;
      const done = await complete([
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ]);
      expect(done.ETag).toBe(multipartEtag([one, two]));
      const head = await client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(head).toMatchObject({ ContentLength: one.length + two.length, ContentType: "audio/wav", ETag: done.ETag, Metadata: { "file-name": "take.wav" } });
      const got = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([one, two]))).toBe(true);
      expect(t.events.slice(before).map((e) => [e.eventName, e.s3.object.size, e.s3.object.eTag])).toEqual([
        ["ObjectCreated:CompleteMultipartUpload", one.length + two.length, done.ETag!.replace(/"/g, "")],
      ]);

      // The ID is spent: a part, a listing, a second completion or an abort all answer NoSuchUpload.
      expect(await fail(put(3, two))).toMatchObject({ name: "NoSuchUpload", $metadata: { httpStatusCode: 404 } });
      expect(await fail(complete([{ PartNumber: 1, ETag: e1 }]))).toMatchObject({ name: "NoSuchUpload" });
      expect(await fail(client.send(new S3.AbortMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId })))).toMatchObject({ name: "NoSuchUpload" });
      expect(await fail(client.send(new S3.ListPartsCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId })))).toMatchObject({ name: "NoSuchUpload" });
    });
  }

  it("refuses InvalidPartOrder, InvalidPart (unknown part, wrong ETag), EntityTooSmall and an empty list, and keeps the upload", async () => {
    const key = "users/mp-refusals/x";
    const { client, uploadId, put, complete } = await begin(key);
    const small = randomBytes(100);
    const e1 = await put(1, small);
    const e2 = await put(2, small);
    expect(await fail(complete([{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }]))).toMatchObject({ name: "InvalidPartOrder", $metadata: { httpStatusCode: 400 } });
    expect(await fail(complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 1, ETag: e1 }]))).toMatchObject({ name: "InvalidPartOrder" });
    expect(await fail(complete([{ PartNumber: 3, ETag: e1 }]))).toMatchObject({ name: "InvalidPart", $metadata: { httpStatusCode: 400 } });
    expect(await fail(complete([{ PartNumber: 1, ETag: `"${"0".repeat(32)}"` }]))).toMatchObject({ name: "InvalidPart" });
    expect(await fail(complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }]))).toMatchObject({ name: "EntityTooSmall", $metadata: { httpStatusCode: 400 } });
    expect(await fail(complete([]))).toMatchObject({ name: "MalformedXML" });
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();

    // A single small part is the last one, so it may be small.
    const done = await complete([{ PartNumber: 2, ETag: e2 }]);
    expect(done.ETag).toBe(multipartEtag([small]));
    expect((await client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }))).ContentLength).toBe(100);
  });

  it("refuses part numbers out of range, an upload ID of another key or none at all, and a bad Content-MD5 or checksum", async () => {
    const key = "users/mp-parts/x";
    const { client, uploadId, put } = await begin(key);
    for (const partNumber of [0, 10_001]) {
      expect(await fail(put(partNumber, Buffer.from("a")))).toMatchObject({ name: "InvalidArgument", $metadata: { httpStatusCode: 400 } });
    }
    const otherKey = await fail(client.send(new S3.UploadPartCommand({ Bucket: TEST_BUCKET, Key: "users/mp-parts/y", UploadId: uploadId, PartNumber: 1, Body: "a" })));
    expect(otherKey).toMatchObject({ name: "NoSuchUpload", $metadata: { httpStatusCode: 404 } });
    expect(await fail(client.send(new S3.UploadPartCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: "../../objects", PartNumber: 1, Body: "a" })))).toMatchObject({
      name: "NoSuchUpload",
    });

    const body = Buffer.from("part body");
    const badMd5 = await sendSigned(t.s3.endpoint, {
      method: "PUT",
      path: `/${TEST_BUCKET}/${key}?partNumber=1&uploadId=${uploadId}`,
      headers: { "content-md5": md5(Buffer.from("other")).toString("base64") },
      body,
    });
    expect([badMd5.status, errorCode(badMd5.text)]).toEqual([400, "BadDigest"]);
    const badSha = await sendSigned(t.s3.endpoint, {
      method: "PUT",
      path: `/${TEST_BUCKET}/${key}?partNumber=1&uploadId=${uploadId}`,
      headers: { "x-amz-checksum-sha256": createHash("sha256").update("other").digest("base64") },
      body,
    });
    expect([badSha.status, errorCode(badSha.text)]).toEqual([400, "BadDigest"]);
    const parts = await client.send(new S3.ListPartsCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId }));
    expect(parts.Parts ?? []).toEqual([]);

    const good = await sendSigned(t.s3.endpoint, {
      method: "PUT",
      path: `/${TEST_BUCKET}/${key}?partNumber=1&uploadId=${uploadId}`,
      headers: { "content-md5": md5(body).toString("base64"), "x-amz-checksum-sha256": createHash("sha256").update(body).digest("base64") },
      body,
    });
    expect(good.status).toBe(200);
    const listed = await client.send(new S3.ListPartsCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256])).toEqual([[1, body.length, createHash("sha256").update(body).digest("base64")]]);
    await client.send(new S3.AbortMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId }));
  });

  it("takes parts through presigned UploadPart URLs, which stop working once the upload is aborted", async () => {
    const key = "users/mp-presigned/x";
    const { client, uploadId } = await begin(key);
    const url = await getSignedUrl(client, new S3.UploadPartCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId, PartNumber: 1 }), { expiresIn: 300 });
    const body = randomBytes(2048);
    const sent = await fetch(url, { method: "PUT", body });
    expect(sent.status).toBe(200);
    expect(sent.headers.get("etag")).toBe(`"${md5(body).toString("hex")}"`);
    // A presigned part URL is for its part number: another one breaks the signature.
    const tampered = await fetch(url.replace("partNumber=1", "partNumber=2"), { method: "PUT", body });
    expect([tampered.status, errorCode(await tampered.text())]).toEqual([403, "SignatureDoesNotMatch"]);

    await client.send(new S3.AbortMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId }));
    const after = await fetch(url, { method: "PUT", body });
    expect([after.status, errorCode(await after.text())]).toEqual([404, "NoSuchUpload"]);
    expect((await t.files()).filter((f) => f.includes("/uploads/"))).toEqual([]);
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
  });

  it("aborts uploads initiated before a cutoff (the lifecycle rule's local counterpart)", async () => {
    const old = await begin("users/mp-lifecycle/old");
    await old.put(1, Buffer.from("x"));
    const cutoff = new Date(Date.now() + 1000);
    t.clock.offsetMs = 2000;
    const fresh = await begin("users/mp-lifecycle/fresh");
    t.clock.offsetMs = 0;
    expect(await t.s3.multipart.abortInitiatedBefore(TEST_BUCKET, cutoff)).toBe(1);
    const left = await t.s3.multipart.list(TEST_BUCKET, "users/mp-lifecycle/");
    expect(left.map((u) => u.uploadId)).toEqual([fresh.uploadId]);
    expect(await fail(old.put(2, Buffer.from("y")))).toMatchObject({ name: "NoSuchUpload" });
  });
});

describe("multipart uploads across a restart", () => {
  it("keeps acknowledged parts and sweeps what no part names", async () => {
    const { mkdtemp, rm, writeFile, readdir } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dataDir = await mkdtemp(join(tmpdir(), "s3-mp-restart-"));
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const start = () => startLocalS3({ dataDir, region: TEST_REGION, credentials: TEST_CREDENTIALS, buckets: [{ name: TEST_BUCKET }], log: quiet });
    const clientOf = (endpoint: string) =>
      new S3.S3Client({ region: TEST_REGION, endpoint, forcePathStyle: true, credentials: TEST_CREDENTIALS, maxAttempts: 1, requestChecksumCalculation: "WHEN_REQUIRED" });
    let s3 = await start();
    let client = clientOf(s3.endpoint);
    try {
      const key = "users/restart/x";
      const { UploadId } = await client.send(new S3.CreateMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key }));
      const part = randomBytes(MIN_PART_BYTES);
      const { ETag } = await client.send(new S3.UploadPartCommand({ Bucket: TEST_BUCKET, Key: key, UploadId, PartNumber: 1, Body: part }));
      const uploadDir = join(dataDir, "buckets", TEST_BUCKET, "uploads", UploadId!);
      // What a crash mid-part leaves: a temp file and a data file no sidecar names.
      await writeFile(join(uploadDir, ".tmp-crashed"), "half");
      await writeFile(join(uploadDir, "part-2.deadbeef.data"), "orphan");
      client.destroy();
      await s3.close();

      s3 = await start();
      client = clientOf(s3.endpoint);
      expect((await readdir(uploadDir)).sort()).toEqual(["part-1.json", expect.stringMatching(/^part-1\.[0-9a-f]+\.data$/), "upload.json"].sort());
      const listed = await client.send(new S3.ListPartsCommand({ Bucket: TEST_BUCKET, Key: key, UploadId }));
      expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag])).toEqual([[1, ETag]]);
      const last = randomBytes(10);
      const e2 = (await client.send(new S3.UploadPartCommand({ Bucket: TEST_BUCKET, Key: key, UploadId, PartNumber: 2, Body: last }))).ETag!;
      await client.send(
        new S3.CompleteMultipartUploadCommand({ Bucket: TEST_BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }, { PartNumber: 2, ETag: e2 }] } }),
      );
      const got = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([part, last]))).toBe(true);
    } finally {
      client.destroy();
      await s3.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
