import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3_MULTIPART } from "@media/core/multipart";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { pngFixture, wavHeader } from "@media/testing/minimal-media";

/**
 * Issue 15 end to end through `npm start`'s entry point: multipart uploads (parts signed in batches,
 * resumed from the listing, completed against the declared size), the presigned PUT for mobile
 * transfers, and each bad input refused with the reservation exact and no object left behind.
 */
const QUOTA_BYTES = 100 * 1024 * 1024;
const PART = S3_MULTIPART.minPartBytes;

let dataDir: string;
let local: LocalProcess;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-multipart-"));
  local = await startLocalProcess({ DATA_DIR: dataDir, MAX_FILE_BYTES: String(50 * 1024 * 1024), QUOTA_BYTES: String(QUOTA_BYTES) });
  api = apiClient(local.url);
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A WAV of exactly `size` bytes: a header, then silence and noise. */
function wavOfSize(size: number): Buffer {
  const body = randomBytes(size - 44);
  return Buffer.concat([wavHeader(size - 44, 8000, 1), body]);
}

/**
 * One part, on a connection of its own (@media/testing/local-s3-storage FRESH_CONNECTION says why), except for
 * a part the storage refuses before reading it: with `connection: close` it answers and closes while the
 * client is still sending megabytes, which the client sees as EPIPE instead of the answer; on a kept-alive
 * connection it reads the rest and drops it.
 */
async function putPart(url: string, bytes: Buffer, refused = false): Promise<{ status: number; eTag: string | null; text: string }> {
  const res = await fetch(url, { method: "PUT", body: new Uint8Array(bytes), headers: refused ? {} : { connection: "close" } });
  return { status: res.status, eTag: res.headers.get("etag"), text: await res.text() };
}

const s3Code = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

async function unfinishedUploadDirs(): Promise<string[]> {
  const root = join(dataDir, "s3", "buckets");
  const out: string[] = [];
  for (const bucket of await readdir(root)) out.push(...(await readdir(join(root, bucket, "uploads")).catch(() => [])));
  return out;
}

describe("multipart uploads through the API", () => {
  it("uploads in parts, resumes from the listing after a lost client, completes, and the indexer makes it ready", async () => {
    const { token } = await api.signUpAndLogin(`mp-${Date.now()}@example.com`, "Multi-part-1!");
    const file = wavOfSize(2 * PART + 1234);
    const created = await api.call("POST", "/upload", { token, json: { fileName: "take.wav", contentType: "audio/wav", size: file.length, method: "multipart" } });
    expect(created.status).toBe(201);
    const { fileId, multipart } = created.body;
    expect(multipart).toMatchObject({ partSize: PART, partCount: 3, uploadId: expect.any(String), expiresAt: expect.any(String) });
    expect((await api.call("GET", "/me", { token })).body.usage).toMatchObject({ reservedBytes: file.length, bytes: 0 });

    // The first client signs every part at once, sends two, and is lost.
    const signed = await api.call("POST", `/files/${fileId}/parts`, { token, json: { partNumbers: [1, 2, 3] } });
    expect(signed.status).toBe(200);
    const urls = new Map<number, string>(signed.body.parts.map((p: { partNumber: number; url: string }) => [p.partNumber, p.url]));
    const slice = (n: number) => file.subarray((n - 1) * PART, Math.min(n * PART, file.length));
    const first = await putPart(urls.get(1)!, slice(1));
    expect(first.status).toBe(200);
    expect((await putPart(urls.get(2)!, slice(2))).status).toBe(200);
    // A part URL binds its exact length: more or fewer bytes are refused by the storage.
    const longer = await putPart(urls.get(3)!, Buffer.concat([slice(3), Buffer.from("extra")]), true);
    expect([longer.status, s3Code(longer.text)]).toEqual([403, "SignatureDoesNotMatch"]);

    // Another device resumes: it asks what arrived and sends only the rest.
    const listed = await api.call("GET", `/files/${fileId}/parts`, { token });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ partSize: PART, partCount: 3 });
    expect(listed.body.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size])).toEqual([
      [1, PART],
      [2, PART],
    ]);
    expect(listed.body.parts[0].eTag).toBe(first.eTag);
    const again = await api.call("POST", `/files/${fileId}/parts`, { token, json: { partNumbers: [3] } });
    const third = await putPart(again.body.parts[0].url, slice(3));
    expect(third.status).toBe(200);
    const parts = [...listed.body.parts.map((p: { partNumber: number; eTag: string }) => ({ partNumber: p.partNumber, eTag: p.eTag })), { partNumber: 3, eTag: third.eTag }];

    const completed = await api.call("POST", `/files/${fileId}/complete`, { token, json: { parts } });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ fileId, status: "pending", size: file.length });
    const ready = await api.waitForStatus(token, fileId);
    expect(ready).toMatchObject({ status: "ready", size: file.length, contentType: "audio/wav", fileName: "take.wav" });
    const downloaded = Buffer.from(await (await fetch(ready.fileUrl)).arrayBuffer());
    expect(createHash("sha256").update(downloaded).digest("hex")).toBe(createHash("sha256").update(file).digest("hex"));
    expect((await api.call("GET", "/me", { token })).body.usage).toMatchObject({ files: 1, bytes: file.length, reservedBytes: 0 });

    // The upload is spent: its part URLs and a second completion find nothing.
    const late = await putPart(urls.get(1)!, slice(1), true);
    expect([late.status, s3Code(late.text)]).toEqual([404, "NoSuchUpload"]);
    const twice = await api.call("POST", `/files/${fileId}/complete`, { token, json: { parts } });
    expect([twice.status, twice.body.error.code]).toEqual([409, "NotMultipartUpload"]);
  });

  it("refuses bad part numbers, missing, reordered or unknown parts, another user's file and a non-multipart file", async () => {
    const { token } = await api.signUpAndLogin(`mp-bad-${Date.now()}@example.com`, "Multi-part-1!");
    const other = await api.signUpAndLogin(`mp-other-${Date.now()}@example.com`, "Multi-part-1!");
    const file = wavOfSize(PART + 100);
    const { fileId } = (await api.call("POST", "/upload", { token, json: { fileName: "a.wav", contentType: "audio/wav", size: file.length, method: "multipart" } })).body;

    for (const partNumbers of [[0], [3], [1, 1], []]) {
      const res = await api.call("POST", `/files/${fileId}/parts`, { token, json: { partNumbers } });
      expect(res.status).toBe(400);
    }
    const { parts } = (await api.call("POST", `/files/${fileId}/parts`, { token, json: { partNumbers: [1, 2] } })).body;
    const e1 = (await putPart(parts[0].url, file.subarray(0, PART))).eTag!;
    const e2 = (await putPart(parts[1].url, file.subarray(PART))).eTag!;

    const complete = (json: unknown) => api.call("POST", `/files/${fileId}/complete`, { token, json });
    const missing = await complete({ parts: [{ partNumber: 1, eTag: e1 }] });
    expect([missing.status, missing.body.error.code]).toEqual([409, "IncompleteUpload"]);
    const reordered = await complete({ parts: [{ partNumber: 2, eTag: e2 }, { partNumber: 1, eTag: e1 }] });
    expect([reordered.status, reordered.body.error.code]).toEqual([400, "InvalidPartOrder"]);
    const wrongTag = await complete({ parts: [{ partNumber: 1, eTag: e2 }, { partNumber: 2, eTag: e2 }] });
    expect([wrongTag.status, wrongTag.body.error.code]).toEqual([400, "InvalidPart"]);
    const outOfRange = await complete({ parts: [{ partNumber: 1, eTag: e1 }, { partNumber: 3, eTag: e2 }] });
    expect([outOfRange.status, outOfRange.body.error.code]).toEqual([400, "InvalidPartNumber"]);
    expect((await complete({ parts: "all" })).status).toBe(400);

    // Another user's fileId is no file at all.
    for (const [method, path, json] of [
      ["POST", `/files/${fileId}/parts`, { partNumbers: [1] }],
      ["GET", `/files/${fileId}/parts`, undefined],
      ["POST", `/files/${fileId}/complete`, { parts: [{ partNumber: 1, eTag: e1 }, { partNumber: 2, eTag: e2 }] }],
      ["DELETE", `/files/${fileId}`, undefined],
    ] as const) {
      const res = await api.call(method, path, { token: other.token, ...(json ? { json } : {}) });
      expect([method, path, res.status === 204 ? 404 : res.status]).toEqual([method, path, 404]);
    }
    // A file uploaded with a POST policy has no parts.
    const post = await api.call("POST", "/upload", { token, json: { fileName: "p.png", contentType: "image/png", size: 100 } });
    const noParts = await api.call("POST", `/files/${post.body.fileId}/parts`, { token, json: { partNumbers: [1] } });
    expect([noParts.status, noParts.body.error.code]).toEqual([409, "NotMultipartUpload"]);

    // Still completable after every refusal: nothing was lost.
    const done = await complete({ parts: [{ partNumber: 1, eTag: e1 }, { partNumber: 2, eTag: e2 }] });
    expect(done.status).toBe(200);
    expect(await api.waitForStatus(token, fileId)).toMatchObject({ status: "ready", size: file.length });
  });

  it("DELETE of an unfinished upload aborts it: the reservation comes back, its part URLs stop working, no object is left", async () => {
    const { token } = await api.signUpAndLogin(`mp-del-${Date.now()}@example.com`, "Multi-part-1!");
    const file = wavOfSize(PART + 10);
    const { fileId, key } = (await api.call("POST", "/upload", { token, json: { fileName: "b.wav", contentType: "audio/wav", size: file.length, method: "multipart" } })).body;
    const { parts } = (await api.call("POST", `/files/${fileId}/parts`, { token, json: { partNumbers: [1, 2] } })).body;
    expect((await putPart(parts[0].url, file.subarray(0, PART))).status).toBe(200);
    const before = await unfinishedUploadDirs();
    expect(before.length).toBeGreaterThan(0);

    expect((await api.call("DELETE", `/files/${fileId}`, { token })).status).toBe(204);
    expect((await api.call("GET", "/me", { token })).body.usage).toMatchObject({ files: 0, bytes: 0, reservedBytes: 0 });
    const late = await putPart(parts[1].url, file.subarray(PART), true);
    expect([late.status, s3Code(late.text)]).toEqual([404, "NoSuchUpload"]);
    expect((await api.call("GET", `/files/${fileId}/parts`, { token })).status).toBe(404);
    expect((await api.call("GET", `/files/${fileId}`, { token })).status).toBe(404);
    expect(key).toMatch(new RegExp(`/${fileId}$`));
    expect((await unfinishedUploadDirs()).length).toBe(before.length - 1);
  });

  it("refuses a multipart upload over the quota and leaves no upload behind", async () => {
    const { token } = await api.signUpAndLogin(`mp-quota-${Date.now()}@example.com`, "Multi-part-1!");
    const before = (await unfinishedUploadDirs()).length;
    // Two reservations of 45 MiB fit a 100 MiB quota; a third does not.
    for (let i = 0; i < 2; i++) {
      expect((await api.call("POST", "/upload", { token, json: { fileName: `${i}.wav`, contentType: "audio/wav", size: 45 * 1024 * 1024, method: "multipart" } })).status).toBe(201);
    }
    const refused = await api.call("POST", "/upload", { token, json: { fileName: "x.wav", contentType: "audio/wav", size: 45 * 1024 * 1024, method: "multipart" } });
    expect(refused.status).toBe(413);
    expect((await unfinishedUploadDirs()).length).toBe(before + 2);
  });
});

describe("presigned PUT through the API", () => {
  it("binds type, length and SHA-256: anything else is refused; the declared file is indexed", async () => {
    const { token } = await api.signUpAndLogin(`put-${Date.now()}@example.com`, "Put-upload-1!");
    const png = pngFixture(32, 16);
    const checksumSha256 = createHash("sha256").update(png).digest("base64");
    const noChecksum = await api.call("POST", "/upload", { token, json: { fileName: "p.png", contentType: "image/png", size: png.length, method: "put" } });
    expect(noChecksum.status).toBe(400);
    const badChecksum = await api.call("POST", "/upload", { token, json: { fileName: "p.png", contentType: "image/png", size: png.length, method: "put", checksumSha256: "abc" } });
    expect(badChecksum.status).toBe(400);

    const created = await api.call("POST", "/upload", { token, json: { fileName: "p.png", contentType: "image/png", size: png.length, method: "put", checksumSha256 } });
    expect(created.status).toBe(201);
    const { fileId, upload } = created.body;
    expect(upload).toMatchObject({ method: "PUT", headers: { "content-type": "image/png", "x-amz-checksum-sha256": checksumSha256, "content-length": String(png.length) } });
    const { "content-length": _length, ...headers } = upload.headers as Record<string, string>;
    const send = async (body: Buffer, extra: Record<string, string> = {}) => {
      const res = await fetch(upload.url, { method: "PUT", body: new Uint8Array(body), headers: { ...headers, ...extra, connection: "close" } });
      return [res.status, s3Code(await res.text()) ?? ""];
    };
    const forged = Buffer.from(png);
    forged[forged.length - 1] = forged[forged.length - 1]! ^ 0xff;
    expect(await send(forged)).toEqual([400, "BadDigest"]);
    expect(await send(Buffer.concat([png, Buffer.from("x")]))).toEqual([403, "SignatureDoesNotMatch"]);
    expect(await send(png, { "content-type": "image/jpeg" })).toEqual([403, "SignatureDoesNotMatch"]);
    expect(await send(png)).toEqual([200, ""]);
    expect(await api.waitForStatus(token, fileId)).toMatchObject({ status: "ready", size: png.length, fileName: "p.png", metadata: { width: 32, height: 16 } });
  });
});
