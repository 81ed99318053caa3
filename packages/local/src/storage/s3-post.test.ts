import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeEventKey } from "@media/core/keys";
import {
  createPresignedPost,
  errorCode,
  errorMessage,
  OTHER_BUCKET,
  postForm,
  S3,
  startTestS3,
  TEST_BUCKET,
  until,
  TEST_CREDENTIALS,
  TEST_ORIGIN,
  TEST_REGION,
  type S3ClientType,
  type TestS3,
} from "@media/testing/local-s3-storage";

/**
 * Browser POST uploads against the local S3, fed exactly what the real @aws-sdk/s3-presigned-post
 * produces with the conditions the API uses (DESIGN.md §4): exact key, exact Content-Type,
 * content-length-range 1..declared size, 15-minute expiry. Every tampering must be refused with S3's
 * status and code and leave nothing on disk.
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
beforeEach(() => {
  t.clock.offsetMs = 0;
});

const USER = "users/3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b";
let counter = 0;
function nextKey(): string {
  counter += 1;
  return `${USER}/01J0000000000000000000${String(counter).padStart(4, "0")}`;
}

async function presign(key: string, contentType: string, size: number, extra: { fields?: Record<string, string>; bucket?: string; expires?: number; using?: S3ClientType } = {}) {
  return createPresignedPost(extra.using ?? client, {
    Bucket: extra.bucket ?? TEST_BUCKET,
    Key: key,
    Conditions: [["content-length-range", 1, size], { "Content-Type": contentType }],
    Fields: { "Content-Type": contentType, ...extra.fields },
    Expires: extra.expires ?? 900,
  });
}

function bytes(n: number): Buffer {
  return randomBytes(n);
}

function blob(data?: Buffer, type?: string): Blob {
  return new Blob(data ? [new Uint8Array(data)] : [], type ? { type } : {});
}

async function expectRefused(response: Response, status: number, code: string, key: string, message?: RegExp) {
  const body = await response.text();
  expect({ status: response.status, code: errorCode(body) }).toEqual({ status, code });
  if (message) expect(errorMessage(body)).toMatch(message);
  expect(await t.s3.store.head(TEST_BUCKET, key).catch(() => undefined)).toBeUndefined();
  expect((await t.files()).filter((f) => f.includes(".tmp-") || f.endsWith(".data")).length).toBe(storedDataFiles);
}

let storedDataFiles = 0;
async function countDataFiles() {
  storedDataFiles = (await t.files()).filter((f) => f.endsWith(".data")).length;
}

describe("presigned POST upload", () => {
  it("stores what the real createPresignedPost allows, with its Content-Type, and answers 204 with the ETag", async () => {
    const key = nextKey();
    const content = bytes(1000);
    const post = await presign(key, "image/png", 1000);
    expect(post.url).toBe(`${t.s3.endpoint}/${TEST_BUCKET}`);
    const response = await postForm(post.url, post.fields, blob(content, "image/png"));
    expect(response.status).toBe(204);
    const md5 = createHash("md5").update(content).digest("hex");
    expect(response.headers.get("etag")).toBe(`"${md5}"`);
    expect(response.headers.get("location")).toBe(`${t.s3.endpoint}/${TEST_BUCKET}/${key}`);

    const head = await client.send(new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    expect(head).toMatchObject({ ContentType: "image/png", ContentLength: 1000, ETag: `"${md5}"` });
    const get = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(content)).toBe(true);
  });

  it("answers 201 with S3's PostResponse XML when success_action_status says so", async () => {
    const key = nextKey();
    const post = await presign(key, "audio/mpeg", 10, { fields: { success_action_status: "201" } });
    const response = await postForm(post.url, post.fields, blob(bytes(10)));
    expect(response.status).toBe(201);
    const xml = await response.text();
    expect(xml).toContain(`<Bucket>${TEST_BUCKET}</Bucket>`);
    expect(xml).toContain(`<Key>${key}</Key>`);
    expect(xml).toMatch(/<ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/);
    expect(xml).toContain(`<Location>${t.s3.endpoint}/${TEST_BUCKET}/${key}</Location>`);
  });

  it("redirects with 303 to success_action_redirect, with bucket, key and ETag", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10, { fields: { success_action_redirect: "http://localhost:5173/uploaded?x=1" } });
    const response = await postForm(post.url, post.fields, blob(bytes(10)), { redirect: "manual" });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("http://localhost:5173/uploaded");
    expect(Object.fromEntries(location.searchParams)).toEqual({ x: "1", bucket: TEST_BUCKET, key, etag: response.headers.get("etag") });
  });

  it("treats field names case-insensitively, ignores x-ignore-* fields and fields after the file", async () => {
    const key = nextKey();
    const post = await presign(key, "image/jpeg", 5);
    const lowered = Object.fromEntries(Object.entries(post.fields).map(([k, v]) => [k.toLowerCase(), v]));
    const form = new FormData();
    for (const [name, value] of Object.entries(lowered)) form.append(name, value);
    form.append("x-ignore-tracking", "anything");
    form.append("file", blob(bytes(5)), "a.jpg");
    form.append("x-amz-meta-after-the-file", "not covered, but S3 never reads it");
    const response = await fetch(post.url, { method: "POST", body: form });
    expect(response.status).toBe(204);
    expect((await t.s3.store.head(TEST_BUCKET, key))?.contentType).toBe("image/jpeg");
  });

  it("stores a key with `..` segments under that exact key, as S3 does, inside the data directory", async () => {
    const key = `${USER}/../../../etc/passwd`;
    const post = await createPresignedPost(client, { Bucket: TEST_BUCKET, Key: key, Conditions: [["content-length-range", 1, 10]], Expires: 900 });
    const response = await postForm(post.url, post.fields, blob(bytes(10)));
    expect(response.status).toBe(204);
    expect((await t.s3.store.head(TEST_BUCKET, key))?.size).toBe(10);
    expect((await t.files()).every((f) => f.startsWith("buckets/"))).toBe(true);
    await client.send(new S3.DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  });

  it("verifies and keeps a matching x-amz-checksum-sha256; accepts the bucket owner's full-control ACL", async () => {
    const key = nextKey();
    const content = bytes(64);
    const sha256 = createHash("sha256").update(content).digest("base64");
    const post = await presign(key, "image/png", 64, { fields: { "x-amz-checksum-sha256": sha256, "x-amz-checksum-algorithm": "SHA256", acl: "bucket-owner-full-control" } });
    expect((await postForm(post.url, post.fields, blob(content, "image/png"))).status).toBe(204);
    expect((await t.s3.store.head(TEST_BUCKET, key))?.checksums).toEqual({ SHA256: sha256 });
  });

  it("substitutes ${filename} into the key", async () => {
    const post = await createPresignedPost(client, {
      Bucket: TEST_BUCKET,
      Key: `${USER}/named/\${filename}`,
      Conditions: [["content-length-range", 1, 100]],
      Expires: 900,
    });
    const response = await postForm(post.url, post.fields, blob(bytes(3)), { filename: "holiday photo.png" });
    expect(response.status).toBe(204);
    expect(await t.s3.store.head(TEST_BUCKET, `${USER}/named/holiday photo.png`)).toBeDefined();
  });

  it("streams a 20 MB upload to disk and back unchanged", async () => {
    const size = 20 * 1024 * 1024;
    const key = nextKey();
    const content = bytes(size);
    const post = await presign(key, "video/mp4", size);
    const response = await postForm(post.url, post.fields, blob(content));
    expect(response.status).toBe(204);
    const get = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    const back = Buffer.from(await get.Body!.transformToByteArray());
    expect(back.length).toBe(size);
    expect(createHash("sha256").update(back).digest("hex")).toBe(createHash("sha256").update(content).digest("hex"));
  });

  it("carries the bucket's CORS headers, ETag exposed, on the upload response", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 4);
    const response = await postForm(post.url, post.fields, blob(bytes(4)), { headers: { Origin: TEST_ORIGIN } });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(TEST_ORIGIN);
    expect(response.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(response.headers.get("vary")).toContain("Origin");
  });
});

describe("presigned POST refusals: S3's status and code, and nothing stored", () => {
  beforeEach(countDataFiles);

  it("another key", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const other = nextKey();
    const response = await postForm(post.url, { ...post.fields, key: other }, blob(bytes(10)));
    await expectRefused(response, 403, "AccessDenied", other, /^Invalid according to Policy: Policy Condition failed: \["eq", "\$key", /);
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
  });

  it("another key, refused while a large file is still arriving", async () => {
    const key = nextKey();
    const size = 6 * 1024 * 1024;
    const post = await presign(key, "image/png", size);
    const other = nextKey();
    const response = await postForm(post.url, { ...post.fields, key: other }, blob(bytes(size)));
    await expectRefused(response, 403, "AccessDenied", other);
  });

  it("another Content-Type", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const response = await postForm(post.url, { ...post.fields, "Content-Type": "text/html" }, blob(bytes(10)));
    await expectRefused(response, 403, "AccessDenied", key, /Policy Condition failed: \["eq", "\$Content-Type", "image\/png"\]/);
  });

  it("a file larger than the content-length-range", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 1000);
    const response = await postForm(post.url, post.fields, blob(bytes(1001)));
    await expectRefused(response, 400, "EntityTooLarge", key);
  });

  it("a file far larger than allowed is cut off as soon as the maximum is passed", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 1024);
    const response = await postForm(post.url, post.fields, blob(bytes(8 * 1024 * 1024)));
    await expectRefused(response, 400, "EntityTooLarge", key);
  });

  it("an empty file (EntityTooSmall)", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 1000);
    const response = await postForm(post.url, post.fields, blob());
    await expectRefused(response, 400, "EntityTooSmall", key);
  });

  it("an expired policy", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    t.clock.offsetMs = 16 * 60 * 1000;
    const response = await postForm(post.url, post.fields, blob(bytes(10)));
    await expectRefused(response, 403, "AccessDenied", key, /^Invalid according to Policy: Policy expired\.$/);
  });

  it("a policy altered by one byte (a wider size range)", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const decoded = Buffer.from(post.fields.Policy!, "base64").toString("utf8");
    const widened = decoded.replace('"content-length-range",1,10]', '"content-length-range",1,90]');
    expect(widened.length).toBe(decoded.length);
    expect(widened).not.toBe(decoded);
    const response = await postForm(post.url, { ...post.fields, Policy: Buffer.from(widened).toString("base64") }, blob(bytes(50)));
    await expectRefused(response, 403, "SignatureDoesNotMatch", key);
  });

  it("a policy with one base64 character changed", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const policy = post.fields.Policy!;
    const flipped = `${policy.slice(0, 20)}${policy[20] === "A" ? "B" : "A"}${policy.slice(21)}`;
    const response = await postForm(post.url, { ...post.fields, Policy: flipped }, blob(bytes(10)));
    await expectRefused(response, 403, "SignatureDoesNotMatch", key);
  });

  it("an altered signature", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const signature = post.fields["X-Amz-Signature"]!;
    const altered = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const response = await postForm(post.url, { ...post.fields, "X-Amz-Signature": altered }, blob(bytes(10)));
    await expectRefused(response, 403, "SignatureDoesNotMatch", key);
  });

  it("a missing signature", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const { "X-Amz-Signature": _signature, ...fields } = post.fields;
    const response = await postForm(post.url, fields, blob(bytes(10)));
    await expectRefused(response, 400, "InvalidArgument", key, /must contain a field named 'x-amz-signature'/);
  });

  it("no policy and no signature at all (anonymous upload to a private bucket)", async () => {
    const key = nextKey();
    const response = await postForm(`${t.s3.endpoint}/${TEST_BUCKET}`, { key, "Content-Type": "image/png" }, blob(bytes(10)));
    await expectRefused(response, 403, "AccessDenied", key);
  });

  it("an unknown access key", async () => {
    const key = nextKey();
    const stranger = new S3.S3Client({
      region: TEST_REGION,
      endpoint: t.s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: TEST_CREDENTIALS.secretAccessKey },
    });
    const post = await presign(key, "image/png", 10, { using: stranger });
    stranger.destroy();
    const response = await postForm(post.url, post.fields, blob(bytes(10)));
    await expectRefused(response, 403, "InvalidAccessKeyId", key);
  });

  it("a form field no condition covers", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const response = await postForm(post.url, { ...post.fields, "x-amz-meta-owner": "someone-else" }, blob(bytes(10)));
    await expectRefused(response, 403, "AccessDenied", key, /^Invalid according to Policy: Extra input fields: x-amz-meta-owner$/);
  });

  it("a success_action_status the policy does not cover", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const response = await postForm(post.url, { ...post.fields, success_action_status: "201" }, blob(bytes(10)));
    await expectRefused(response, 403, "AccessDenied", key, /Extra input fields: success_action_status/);
  });

  it("another bucket than the policy's", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const response = await postForm(`${t.s3.endpoint}/${OTHER_BUCKET}`, post.fields, blob(bytes(10)));
    const body = await response.text();
    expect({ status: response.status, code: errorCode(body) }).toEqual({ status: 403, code: "AccessDenied" });
    expect(await t.s3.store.head(OTHER_BUCKET, key)).toBeUndefined();
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
  });

  it("a bucket that does not exist", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10, { bucket: "no-such-bucket" });
    const response = await postForm(post.url, post.fields, blob(bytes(10)));
    await expectRefused(response, 404, "NoSuchBucket", key);
  });

  it("a form without the file", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10);
    const response = await postForm(post.url, post.fields, undefined);
    await expectRefused(response, 400, "InvalidArgument", key, /exactly one file/);
  });

  it("a key with a C1 control character (400 InvalidURI, as S3 answers)", async () => {
    const key = `${USER}/a\u008ab`;
    const post = await createPresignedPost(client, { Bucket: TEST_BUCKET, Key: key, Conditions: [["content-length-range", 1, 10]], Expires: 900 });
    const response = await postForm(post.url, post.fields, blob(bytes(10)));
    await expectRefused(response, 400, "InvalidURI", key);
  });

  it("a file whose SHA-256 or CRC32 differs from the form's x-amz-checksum-* field (BadDigest)", async () => {
    const content = bytes(64);
    for (const [field, wrong] of [
      ["x-amz-checksum-sha256", createHash("sha256").update("something else").digest("base64")],
      ["x-amz-checksum-crc32", "AAAAAA=="],
    ] as const) {
      const key = nextKey();
      const post = await presign(key, "image/png", 64, { fields: { [field]: wrong } });
      await expectRefused(await postForm(post.url, post.fields, blob(content, "image/png")), 400, "BadDigest", key);
    }
  });

  it("two checksum fields, or an x-amz-checksum-algorithm naming none of them (InvalidRequest)", async () => {
    const sha256 = createHash("sha256").update("x").digest("base64");
    const forms: Array<Record<string, string>> = [{ "x-amz-checksum-sha256": sha256, "x-amz-checksum-crc32": "AAAAAA==" }, { "x-amz-checksum-algorithm": "SHA256" }];
    for (const fields of forms) {
      const key = nextKey();
      const post = await presign(key, "image/png", 1, { fields });
      await expectRefused(await postForm(post.url, post.fields, blob(Buffer.from("x"), "image/png")), 400, "InvalidRequest", key);
    }
  });

  it("an ACL other than the bucket owner's full control (AccessControlListNotSupported)", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 10, { fields: { acl: "public-read" } });
    await expectRefused(await postForm(post.url, post.fields, blob(bytes(10), "image/png")), 400, "AccessControlListNotSupported", key);
  });

  it("SSE-C over plain HTTP (InvalidRequest)", async () => {
    const key = nextKey();
    const fields = { "x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": Buffer.alloc(32, 1).toString("base64") };
    const post = await presign(key, "image/png", 10, { fields });
    await expectRefused(await postForm(post.url, post.fields, blob(bytes(10), "image/png")), 400, "InvalidRequest", key, /secure connection/);
  });

  it("a body that is not multipart/form-data", async () => {
    const response = await fetch(`${t.s3.endpoint}/${TEST_BUCKET}`, { method: "POST", body: "key=x", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(412);
    expect(errorCode(await response.text())).toBe("PreconditionFailed");
  });

  it("a broken multipart body (no closing boundary) is a 400 and leaves no file", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 100);
    const boundary = "----localtestboundary";
    const parts = Object.entries(post.fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const body = Buffer.concat([
      Buffer.from(parts.join("")),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
      bytes(50),
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-da`),
    ]);
    const { status, text } = await rawPost(post.url, boundary, body);
    expect({ status, code: errorCode(text) }).toEqual({ status: 400, code: "MalformedPOSTRequest" });
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
    expect((await t.files()).filter((f) => f.includes(".tmp-") || f.endsWith(".data")).length).toBe(storedDataFiles);
  });

  it("survives truncated and corrupted multipart bodies: never a 5xx, never a temp file left", async () => {
    const key = nextKey();
    const post = await presign(key, "image/png", 4096);
    const boundary = "----localtestfuzz";
    const valid = Buffer.concat([
      Buffer.from(Object.entries(post.fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join("")),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n`),
      bytes(4000),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 40; i++) {
      const body = Buffer.from(valid.subarray(0, i % 2 === 0 ? random(valid.length) : valid.length));
      if (i % 2 === 1) for (let j = 0; j < 5; j++) body[random(body.length)] = random(256);
      const { status } = await rawPost(post.url, boundary, body);
      expect(status).toBeLessThan(500);
      expect(status).not.toBe(0);
    }
    // Every request was answered, but a refused upload's temp file may be removed just after its answer.
    await until(async () => (await t.files()).every((f) => !f.includes(".tmp-")));
  });

  it("a cut-off upload (client disconnects mid-file) leaves no object and no temp file", async () => {
    const key = nextKey();
    const size = 4 * 1024 * 1024;
    const post = await presign(key, "image/png", size);
    const boundary = "----localtestcutoff";
    const head = Buffer.from(
      Object.entries(post.fields)
        .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
        .join("") + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const url = new URL(post.url);
    const loggedBefore = t.logged.length;
    let tempSeen = false;
    await new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": head.length + size + tail.length },
      });
      req.on("error", () => resolve());
      req.write(head);
      req.write(bytes(size / 2), () => {
        // Once the server is writing the temp file, vanish mid-body.
        void until(async () => (await t.files()).some((f) => f.includes(".tmp-"))).then(() => {
          tempSeen = true;
          req.destroy();
          resolve();
        });
      });
    });
    expect(tempSeen).toBe(true);
    // The refusal is logged once the POST gave up, after its temp file was removed.
    await t.waitForLog((l) => l.fields.method === "POST" && l.fields.s3Code === "IncompleteBody", loggedBefore);
    expect((await t.files()).some((f) => f.includes(".tmp-"))).toBe(false);
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
    expect((await t.files()).filter((f) => f.endsWith(".data")).length).toBe(storedDataFiles);
    expect(t.events.some((e) => e.s3.object.key === encodeEventKey(key))).toBe(false);
  });
});

describe("events of uploads", () => {
  it("one ObjectCreated:Post record per upload, after the object is in place, key encoded as S3 does", async () => {
    const key = `${USER}/ünï côde file (1).png`;
    const seen: Array<{ sequencer: string; storedWhenEmitted: boolean }> = [];
    const t2 = await startTestS3({
      onEvent: async (record) => {
        seen.push({ sequencer: record.s3.object.sequencer, storedWhenEmitted: (await t2.s3.store.head(TEST_BUCKET, key)) !== undefined });
      },
    });
    try {
      const c = t2.client();
      for (const size of [10, 20]) {
        const post = await createPresignedPost(c, {
          Bucket: TEST_BUCKET,
          Key: key,
          Conditions: [["content-length-range", 1, 100], { "Content-Type": "image/png" }],
          Fields: { "Content-Type": "image/png" },
          Expires: 900,
        });
        expect((await postForm(post.url, post.fields, blob(bytes(size)))).status).toBe(204);
      }
      expect(t2.events).toHaveLength(2);
      const [first, second] = t2.events as [(typeof t2.events)[0], (typeof t2.events)[0]];
      expect(first).toMatchObject({
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: TEST_REGION,
        eventName: "ObjectCreated:Post",
        s3: {
          s3SchemaVersion: "1.0",
          bucket: { name: TEST_BUCKET, arn: `arn:aws:s3:::${TEST_BUCKET}` },
          object: { key: encodeEventKey(key), size: 10 },
        },
      });
      expect(first.s3.object.key).toBe(`${USER}/%C3%BCn%C3%AF+c%C3%B4de+file+(1).png`);
      expect(first.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(first.requestParameters.sourceIPAddress).toBe("127.0.0.1");
      expect(first.responseElements["x-amz-request-id"]).toMatch(/^[0-9A-F]{16}$/);
      expect(second.s3.object.size).toBe(20);
      expect(second.s3.object.sequencer > first.s3.object.sequencer).toBe(true);
      expect(first.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
      expect(seen.every((s) => s.storedWhenEmitted)).toBe(true);

      // Outside the notified prefix: stored, but no event.
      const derived = await createPresignedPost(c, { Bucket: TEST_BUCKET, Key: "derived/x/thumb.webp", Conditions: [["content-length-range", 1, 100]], Expires: 900 });
      expect((await postForm(derived.url, derived.fields, blob(bytes(5)))).status).toBe(204);
      expect(t2.events).toHaveLength(2);

      // Removal: ObjectRemoved:Delete, ordered after the creation by its sequencer.
      await c.send(new S3.DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      await c.send(new S3.DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: "derived/x/thumb.webp" }));
      expect(t2.events).toHaveLength(3);
      const removed = t2.events[2]!;
      expect(removed.eventName).toBe("ObjectRemoved:Delete");
      expect(removed.s3.object.key).toBe(encodeEventKey(key));
      expect(removed.s3.object.size).toBeUndefined();
      expect(removed.s3.object.sequencer > second.s3.object.sequencer).toBe(true);
    } finally {
      await t2.stop();
    }
  });

  it("a failing event consumer does not lose the upload", async () => {
    const t2 = await startTestS3({
      onEvent: () => {
        throw new Error("queue down");
      },
    });
    try {
      const key = `${USER}/kept-anyway`;
      const post = await createPresignedPost(t2.client(), { Bucket: TEST_BUCKET, Key: key, Conditions: [["content-length-range", 1, 100]], Expires: 900 });
      expect((await postForm(post.url, post.fields, blob(bytes(5)))).status).toBe(204);
      expect(await t2.s3.store.head(TEST_BUCKET, key)).toBeDefined();
    } finally {
      await t2.stop();
    }
  });
});

function rawPost(url: string, boundary: string, body: Buffer): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
