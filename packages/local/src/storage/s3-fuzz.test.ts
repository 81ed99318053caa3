import { connect } from "node:net";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uriEscape } from "./sigv4";
import { errorCode, OTHER_BUCKET, S3, startTestS3, TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * Hostile input against the storage's request paths, query strings and headers (issue 14): a small
 * seeded fuzzer (same seed, same requests, so a failure replays) sends malformed and random requests,
 * anonymous and validly signed, over a raw socket so that any byte can be sent. No answer may be a
 * server error (501 NotImplemented, S3's answer for what the storage does not offer, excepted) and
 * nothing may be logged as an error.
 */
let t: TestS3;
const logged: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];

beforeAll(async () => {
  const log = {
    info: () => undefined,
    warn: (message: string, fields?: Record<string, unknown>) => void logged.push({ level: "warn", message, ...(fields ? { fields } : {}) }),
    error: (message: string, fields?: Record<string, unknown>) => void logged.push({ level: "error", message, ...(fields ? { fields } : {}) }),
  };
  t = await startTestS3({ log });
  const client = t.client();
  for (const key of ["users/fuzz/a", "users/fuzz/b c", "users/fuzz/ü"]) await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: key }));
});
afterAll(async () => {
  await t.stop();
});

describe("malformed percent-encoding", () => {
  it("is 400 InvalidURI in the bucket, the key or the query, signed or not", async () => {
    const paths = [`/${TEST_BUCKET}/%zz`, `/${TEST_BUCKET}/users/a%`, `/${TEST_BUCKET}/%E0%A4%A`, `/${TEST_BUCKET}/%C0%AF`, "/%ff/x", `/${TEST_BUCKET}?prefix=%zz`, `/${TEST_BUCKET}/x?response-content-type=%`];
    for (const path of paths) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const answer = await sendRaw(`${method} ${path} HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        expect({ path, method, status: answer.status, code: errorCode(answer.body) }).toEqual({ path, method, status: 400, code: "InvalidURI" });
      }
    }
  });
});

describe("fuzzed requests", () => {
  it("never answer a server error nor log one, anonymous or signed", async () => {
    const random = mulberry32(0x5eed);
    const failures: string[] = [];
    const requests = Array.from({ length: 800 }, (_, i) => i);
    // A few at a time: enough to interleave handlers, not enough to starve the machine others share.
    for (let i = 0; i < requests.length; i += 6) {
      await Promise.all(
        requests.slice(i, i + 6).map(async () => {
          const wire = await fuzzedRequest(random);
          const answer = await sendRaw(wire);
          // A HEAD answer has no body to name its code; 501 there is NotImplemented too.
          const notImplemented = answer.status === 501 && (wire.startsWith("HEAD ") || errorCode(answer.body) === "NotImplemented");
          const serverError = answer.status >= 500 && !notImplemented;
          if (answer.status === 0 || serverError) failures.push(`${answer.status} ${errorCode(answer.body) ?? ""} for ${JSON.stringify(wire.slice(0, 400))}`);
        }),
      );
    }
    expect(failures).toEqual([]);
    expect(logged.filter((entry) => entry.level === "error" || entry.fields?.error !== undefined)).toEqual([]);
    // The storage still serves after all of it.
    await t.client().send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: "users/fuzz/after", Body: "after" }));
    const get = await t.client().send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: "users/fuzz/after" }));
    expect(await get.Body!.transformToString()).toBe("after");
  });
});

/**
 * Requests are valid ones (what the SDK and a browser send) with one to three parts mutated: a header, a
 * query parameter, the method, the key or the bucket; then half are signed as they are, so the mutated
 * request also reaches the handlers behind authentication.
 */
interface Shape {
  method: string;
  bucket: string;
  key: string | undefined;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: string;
}

const SEEDS: Shape[] = [
  { method: "GET", bucket: TEST_BUCKET, key: "users/fuzz/a", query: [], headers: {}, body: "" },
  { method: "HEAD", bucket: TEST_BUCKET, key: "users/fuzz/b c", query: [], headers: {}, body: "" },
  { method: "GET", bucket: TEST_BUCKET, key: "users/fuzz/ü", query: [["response-content-disposition", "attachment"]], headers: { range: "bytes=0-1" }, body: "" },
  { method: "GET", bucket: TEST_BUCKET, key: "users/fuzz/a", query: [["response-content-type", "image/png"], ["response-expires", "0"]], headers: { "if-none-match": '"x"' }, body: "" },
  { method: "PUT", bucket: TEST_BUCKET, key: "users/fuzz/cond", query: [], headers: { "if-none-match": "*", "content-encoding": "gzip", "x-amz-checksum-crc32": "AAAAAA==" }, body: "" },
  { method: "PUT", bucket: TEST_BUCKET, key: "users/fuzz/put", query: [], headers: { "content-type": "image/png", "x-amz-meta-name": "a" }, body: "hello" },
  { method: "GET", bucket: TEST_BUCKET, key: undefined, query: [["list-type", "2"], ["prefix", "users/"]], headers: {}, body: "" },
  { method: "DELETE", bucket: TEST_BUCKET, key: "users/fuzz/gone", query: [], headers: {}, body: "" },
  { method: "POST", bucket: TEST_BUCKET, key: undefined, query: [["delete", ""]], headers: { "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==" }, body: "<Delete><Object><Key>users/fuzz/gone</Key></Object></Delete>" },
  { method: "POST", bucket: TEST_BUCKET, key: undefined, query: [], headers: { "content-type": "multipart/form-data; boundary=b" }, body: '--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nusers/x\r\n--b--\r\n' },
  { method: "OPTIONS", bucket: TEST_BUCKET, key: "users/fuzz/a", query: [], headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" }, body: "" },
];
const METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "COPY"];
const PARAMS = [
  "list-type", "max-keys", "continuation-token", "prefix", "delimiter", "encoding-type", "start-after", "marker", "fetch-owner",
  "delete", "location", "uploads", "uploadId", "partNumber", "acl", "versionId", "tagging", "response-content-type",
  "response-content-disposition", "response-expires", "response-cache-control", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
  "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "Signature", "AWSAccessKeyId", "x-id",
];
const HEADERS = [
  "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "content-md5", "content-encoding", "content-type",
  "x-amz-content-sha256", "x-amz-date", "date", "authorization", "x-amz-checksum-crc32", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme",
  "x-amz-sdk-checksum-algorithm", "x-amz-trailer", "x-amz-decoded-content-length", "expect", "x-amz-acl", "x-amz-grant-read", "origin",
  "access-control-request-method", "access-control-request-headers", "x-amz-meta-name", "x-amz-copy-source", "x-amz-security-token",
  "x-amz-server-side-encryption-customer-algorithm", "x-amz-checksum-mode", "cache-control", "content-disposition", "expires",
];
const VALUES = [
  "", "*", "0", "-1", "1000", "99999999999999999999", "bytes=0-1", "bytes=5-", "bytes=-3", "bytes=9-1", "bytes=0-1,3-4", '"etag"', 'W/"x"',
  "true", "url", "2", "AES256", "100-continue", "public-read", "aws-chunked", "gzip, aws-chunked", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
  "UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-checksum-crc32", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=a/b",
  "AWS4-HMAC-SHA256 Credential=AKIALOCALTEST000001/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
  "20260101T000000Z", "Thu, 01 Jan 1970 00:00:00 GMT", "AAAAAA==", "not base64!", "multipart/form-data; boundary=x", "multipart/form-data",
  "http://localhost:5173", "GET", `${TEST_BUCKET}/users/fuzz/a`, "/", "..", "é", "日本",
];
const ALPHABET = [..."aZ09-_.~%/=&;,:\"' ", "\t", "\u0001", "\n", "\u007f", "\u0080", "\u008a", "\u00ff", "é", "日", "😀", "\\", "<", "&amp;"];
const KEY_PIECES = ["users", "fuzz", "a", "b c", "ü", "..", ".", "", "\u0000", "\u008a", "%", "%zz", "😀", "?", "#", "~", "+", "a".repeat(300)];

async function fuzzedRequest(random: () => number): Promise<string> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const value = () => (random() < 0.4 ? pick(VALUES) : Array.from({ length: Math.floor(random() * 12) }, () => pick(ALPHABET)).join(""));
  const seed = pick(SEEDS);
  const shape: Shape = { ...seed, query: [...seed.query], headers: { ...seed.headers } };
  for (let mutations = 1 + Math.floor(random() * 3); mutations > 0; mutations--) {
    const what = random();
    const headerNames = Object.keys(shape.headers);
    // Mostly the seed's own values changed (where the handlers read them), sometimes new parts added.
    if (what < 0.25 && shape.query.length > 0) pick(shape.query)[1] = value();
    else if (what < 0.45 && headerNames.length > 0) shape.headers[pick(headerNames)] = value();
    else if (what < 0.6) shape.headers[pick(HEADERS)] = value();
    else if (what < 0.75) shape.query.push([pick(PARAMS), value()]);
    else if (what < 0.8) shape.method = pick(METHODS);
    else if (what < 0.9) shape.key = Array.from({ length: Math.floor(random() * 4) }, () => pick(KEY_PIECES)).join("/") || undefined;
    else shape.bucket = pick([OTHER_BUCKET, "no-such-bucket", "", "A_B", "%zz"]);
  }
  // Raw parts stay raw now and then (a lone %, an unencoded space), to reach the URI parser's refusals.
  const encode = (text: string) => (random() < 0.1 ? text : uriEscape(text));
  const path = `/${encode(shape.bucket)}${shape.key === undefined ? "" : `/${shape.key.split("/").map(encode).join("/")}`}`;
  const rawQuery = shape.query.map(([name, v]) => `${uriEscape(name)}=${encode(v)}`).join("&");
  const target = `${path}${rawQuery ? `?${rawQuery}` : ""}`;
  const all: Record<string, string> = { host: host(), "content-length": String(Buffer.byteLength(shape.body)), ...shape.headers };
  if (random() < 0.5) {
    delete all.authorization;
    all["x-amz-content-sha256"] ??= "UNSIGNED-PAYLOAD";
    const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
    const query: Record<string, string> = {};
    for (const [name, v] of shape.query) query[name] = v;
    const signed = await signer
      .sign(new HttpRequest({ method: shape.method, protocol: "http:", hostname: "127.0.0.1", path, query, headers: all }), { signingDate: new Date() })
      .catch(() => undefined);
    if (signed) Object.assign(all, signed.headers);
  }
  const lines = Object.entries(all).map(([name, v]) => `${name}: ${Buffer.from(v, "utf8").toString("latin1")}`);
  return `${shape.method} ${target} HTTP/1.1\r\n${lines.join("\r\n")}\r\nConnection: close\r\n\r\n${shape.body}`;
}

function host(): string {
  return new URL(t.s3.endpoint).host;
}

/** Writes the bytes (one latin1 character per byte) and reads the answer until the server closes. */
function sendRaw(wire: string): Promise<{ status: number; body: string }> {
  const url = new URL(t.s3.endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.once("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    // Not end(): a half-closed request is aborted by Node before an asynchronous answer (Node's
    // httpAllowHalfOpen default); real clients keep their side open until the answer.
    socket.write(Buffer.from(wire, "latin1"));
  });
}

/** A small seeded PRNG (mulberry32), so a failing run replays exactly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
