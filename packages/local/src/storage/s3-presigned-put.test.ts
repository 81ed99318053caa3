import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode, getSignedUrl, S3, startTestS3, TEST_BUCKET, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * A presigned PUT that binds Content-Type, the exact Content-Length and an x-amz-checksum-sha256 (what the
 * API hands to mobile background transfers): each bound header is part of the signature, and the checksum
 * is also checked against the bytes, so nothing else gets stored.
 */
let t: TestS3;

beforeAll(async () => {
  t = await startTestS3();
});
afterAll(async () => {
  await t.stop();
});

async function presignPut(key: string, body: Buffer, contentType = "image/png") {
  const checksum = createHash("sha256").update(body).digest("base64");
  const url = await getSignedUrl(
    t.client(),
    new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, ContentType: contentType, ContentLength: body.length, ChecksumSHA256: checksum }),
    { expiresIn: 300, signableHeaders: new Set(["content-type", "content-length"]), unhoistableHeaders: new Set(["x-amz-checksum-sha256"]) },
  );
  return { url, headers: { "content-type": contentType, "x-amz-checksum-sha256": checksum } };
}

describe("presigned PUT with signed length and checksum", () => {
  it("stores exactly the declared bytes and refuses any other length, type, checksum or content", async () => {
    const body = randomBytes(4096);
    const key = "users/put/exact.png";
    const { url, headers } = await presignPut(key, body);
    const attempt = async (init: { body: Buffer; headers: Record<string, string> }) => {
      const res = await fetch(url, { method: "PUT", body: new Uint8Array(init.body), headers: init.headers });
      return [res.status, errorCode(await res.text())];
    };
    const other = randomBytes(4096);
    expect(await attempt({ body: Buffer.concat([body, Buffer.from("x")]), headers })).toEqual([403, "SignatureDoesNotMatch"]);
    expect(await attempt({ body: body.subarray(1), headers })).toEqual([403, "SignatureDoesNotMatch"]);
    expect(await attempt({ body, headers: { ...headers, "content-type": "image/jpeg" } })).toEqual([403, "SignatureDoesNotMatch"]);
    expect(await attempt({ body, headers: { "content-type": headers["content-type"] } })).toEqual([403, "SignatureDoesNotMatch"]);
    expect(await attempt({ body, headers: { ...headers, "x-amz-checksum-sha256": createHash("sha256").update(other).digest("base64") } })).toEqual([
      403,
      "SignatureDoesNotMatch",
    ]);
    // Same length, same signed headers, other bytes: the checksum catches it.
    expect(await attempt({ body: other, headers })).toEqual([400, "BadDigest"]);
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
    expect((await t.files()).filter((f) => f.includes(".tmp-"))).toEqual([]);

    const ok = await fetch(url, { method: "PUT", body: new Uint8Array(body), headers });
    expect(ok.status).toBe(200);
    const stored = await t.s3.store.head(TEST_BUCKET, key);
    expect(stored).toMatchObject({ size: body.length, contentType: "image/png", checksums: { SHA256: headers["x-amz-checksum-sha256"] } });
    expect(t.events.at(-1)).toMatchObject({ eventName: "ObjectCreated:Put", s3: { object: { size: body.length } } });
  });
});
