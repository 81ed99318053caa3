import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, errorMessage, getSignedUrl, S3, startTestS3, TEST_BUCKET, TEST_ORIGIN, type S3ClientType, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * Presigned GET and HEAD URLs exactly as the real @aws-sdk/s3-request-presigner makes them: query
 * SigV4 verified by re-signing, expiry, response-* overrides, ranges, conditionals.
 */
let t: TestS3;
let client: S3ClientType;
const key = "users/3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b/01J00000000000000000000001";
const content = randomBytes(1000);

beforeAll(async () => {
  t = await startTestS3();
  client = t.client();
  await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: content, ContentType: "audio/mpeg" }));
});
afterAll(async () => {
  await t.stop();
});
beforeEach(() => {
  t.clock.offsetMs = 0;
});

function presignGet(input: Partial<ConstructorParameters<typeof S3.GetObjectCommand>[0]> = {}, expiresIn = 300, using = client) {
  return getSignedUrl(using, new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: key, ...input }), { expiresIn });
}

async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  const body = await response.text();
  expect({ status: response.status, code: errorCode(body) }).toEqual({ status, code });
  if (message) expect(errorMessage(body)).toMatch(message);
}

describe("presigned GET", () => {
  it("serves the object with the disposition and type overrides the URL signs", async () => {
    const url = await presignGet({ ResponseContentDisposition: 'attachment; filename="my song.mp3"', ResponseContentType: "audio/mpeg", ResponseCacheControl: "private, max-age=60" });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="my song.mp3"');
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    expect(response.headers.get("cache-control")).toBe("private, max-age=60");
    expect(response.headers.get("content-length")).toBe("1000");
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get("last-modified")).toMatch(/GMT$/);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
  });

  it("works with URLs from a client with default (flexible) checksums too", async () => {
    const url = await presignGet({}, 300, t.client("default"));
    expect(url).toContain("x-amz-checksum-mode=ENABLED");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
  });

  it("refuses an expired URL", async () => {
    const url = await presignGet({}, 60);
    t.clock.offsetMs = 61_000;
    await expectError(await fetch(url), 403, "AccessDenied", /^Request has expired$/);
  });

  it("refuses an altered signature", async () => {
    const url = new URL(await presignGet());
    const signature = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", `${signature.slice(0, -1)}${signature.endsWith("a") ? "b" : "a"}`);
    await expectError(await fetch(url), 403, "SignatureDoesNotMatch");
  });

  it("refuses the signature on another key", async () => {
    const url = await presignGet();
    const other = url.replace("/01J00000000000000000000001?", "/01J00000000000000000000002?");
    expect(other).not.toBe(url);
    await expectError(await fetch(other), 403, "SignatureDoesNotMatch");
  });

  it("refuses an override the URL did not sign", async () => {
    const url = `${await presignGet()}&response-content-type=text%2Fhtml`;
    await expectError(await fetch(url), 403, "SignatureDoesNotMatch");
  });

  it("refuses an unsigned request and a week-plus expiry", async () => {
    await expectError(await fetch(`${t.s3.endpoint}/${TEST_BUCKET}/${key}`), 403, "AccessDenied");
    const url = new URL(await presignGet());
    url.searchParams.set("X-Amz-Expires", "604801");
    await expectError(await fetch(url), 400, "AuthorizationQueryParametersError");
  });

  it("answers NoSuchKey for a signed URL to a missing key", async () => {
    const url = await presignGet({ Key: "users/nobody/missing" });
    await expectError(await fetch(url), 404, "NoSuchKey");
  });

  it("serves byte ranges with 206 and refuses unsatisfiable ones with 416", async () => {
    const url = await presignGet();
    const first = await fetch(url, { headers: { Range: "bytes=0-9" } });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe("bytes 0-9/1000");
    expect(first.headers.get("content-length")).toBe("10");
    expect(Buffer.from(await first.arrayBuffer()).equals(content.subarray(0, 10))).toBe(true);

    const open = await fetch(url, { headers: { Range: "bytes=990-" } });
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer()).equals(content.subarray(990))).toBe(true);

    const suffix = await fetch(url, { headers: { Range: "bytes=-5" } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get("content-range")).toBe("bytes 995-999/1000");
    expect(Buffer.from(await suffix.arrayBuffer()).equals(content.subarray(995))).toBe(true);

    const beyond = await fetch(url, { headers: { Range: "bytes=1000-" } });
    await expectError(beyond, 416, "InvalidRange");
  });

  it("answers 304 to If-None-Match with the current ETag", async () => {
    const url = await presignGet();
    const etag = (await fetch(url)).headers.get("etag")!;
    const again = await fetch(url, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const changed = await fetch(url, { headers: { "If-None-Match": '"0000"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it("adds CORS headers for an allowed origin", async () => {
    const response = await fetch(await presignGet(), { headers: { Origin: TEST_ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(TEST_ORIGIN);
    await response.arrayBuffer();
  });
});

describe("presigned HEAD", () => {
  it("answers with the object's headers and no body; a GET URL does not work for HEAD", async () => {
    const url = await getSignedUrl(client, new S3.HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }), { expiresIn: 60 });
    const response = await fetch(url, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("1000");
    expect(response.headers.get("content-type")).toBe("audio/mpeg");

    const getUrl = await presignGet();
    const wrongMethod = await fetch(getUrl, { method: "HEAD" });
    expect(wrongMethod.status).toBe(403);
  });
});
