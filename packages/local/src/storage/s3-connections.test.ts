import { connect, type Socket } from "node:net";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPresignedPost, errorCode, S3, startTestS3, TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION, until, type TestS3 } from "@media/testing/local-s3-storage";

/**
 * The storage as a server on someone's laptop (issue 14) and S3's handling of `Expect` (issue 21):
 * timeouts, limits, and what a client waiting for 100 Continue sees. Timeouts are configured short here,
 * and every test waits for the event that matters (an answer, a closed socket), never for a time.
 */
// Short enough to wait for, long enough that a busy shared machine does not stall a healthy request past it.
const SHORT = 1000;
let t: TestS3;
const errorsLogged: unknown[] = [];

beforeAll(async () => {
  const log = { info: () => undefined, warn: () => undefined, error: (_: string, fields?: Record<string, unknown>) => void errorsLogged.push(fields) };
  t = await startTestS3({ limits: { headersTimeoutMs: SHORT, idleTimeoutMs: SHORT, maxHeaderBytes: 8 * 1024 }, log });
});
afterAll(async () => {
  await t.stop();
  expect(errorsLogged).toEqual([]);
});

describe("Expect: 100-continue", () => {
  it("says 100 Continue once the request passed its checks, then stores the body", async () => {
    const put = await signedPut(`/${TEST_BUCKET}/users/expect/ok`, 5, { expect: "100-continue" });
    const sawContinue = new Promise<void>((resolve) => put.req.once("continue", () => resolve()));
    await sawContinue;
    put.req.end("hello");
    const answer = await put.answer;
    expect(answer.status).toBe(200);
    expect((await t.s3.store.head(TEST_BUCKET, "users/expect/ok"))?.size).toBe(5);
  });

  it("refuses a bad signature or a failed condition without asking for the body", async () => {
    await t.client().send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: "users/expect/exists", Body: "x" }));
    for (const [path, headers, status, code] of [
      [`/${TEST_BUCKET}/users/expect/forged`, { expect: "100-continue" }, 403, "SignatureDoesNotMatch"],
      [`/${TEST_BUCKET}/users/expect/exists`, { expect: "100-continue", "if-none-match": "*" }, 412, "PreconditionFailed"],
    ] as const) {
      const put = await signedPut(path, 5, headers, path.endsWith("forged"));
      let continued = false;
      put.req.once("continue", () => (continued = true));
      put.req.flushHeaders();
      const answer = await put.answer;
      expect({ status: answer.status, code: errorCode(answer.text), continued, connection: answer.headers.connection }).toEqual({ status, code, continued: false, connection: "close" });
      put.req.destroy();
    }
    expect((await t.s3.store.head(TEST_BUCKET, "users/expect/forged"))).toBeUndefined();
  });

  it("lets a browser-style POST upload (signed inside its body) continue, as curl -F sends large files", async () => {
    const key = "users/expect/posted";
    const post = await createPresignedPost(t.client(), { Bucket: TEST_BUCKET, Key: key, Conditions: [["content-length-range", 1, 100]], Expires: 900 });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append("file", new Blob(["posted bytes"]), "f.bin");
    const encoded = new Request(post.url, { method: "POST", body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    const url = new URL(post.url);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": encoded.headers.get("content-type")!, "content-length": body.length, expect: "100-continue" } });
    req.once("continue", () => req.end(body));
    expect((await collect(req)).status).toBe(204);
    expect((await t.s3.store.head(TEST_BUCKET, key))?.size).toBe("posted bytes".length);
  });

  it("answers any other expectation with 417 in S3's XML", async () => {
    const put = await signedPut(`/${TEST_BUCKET}/users/expect/other`, 0, { expect: "something-else" });
    put.req.end();
    const answer = await put.answer;
    expect({ status: answer.status, code: errorCode(answer.text) }).toEqual({ status: 417, code: "ExpectationFailed" });
  });
});

describe("timeouts", () => {
  it("answers an upload that stops sending with 400 RequestTimeout and stores nothing", async () => {
    const put = await signedPut(`/${TEST_BUCKET}/users/timeout/stalled`, 10, {});
    put.req.write("four");
    const answer = await put.answer;
    expect({ status: answer.status, code: errorCode(answer.text) }).toEqual({ status: 400, code: "RequestTimeout" });
    expect(await t.s3.store.head(TEST_BUCKET, "users/timeout/stalled")).toBeUndefined();
    // The answer goes out first; the handler then sees the body cut short and removes its temp file.
    await until(async () => (await t.files()).every((f) => !f.includes(".tmp-")));
  });

  it("answers a browser POST upload that stops mid-file with RequestTimeout and stores nothing", async () => {
    const key = "users/timeout/posted";
    const post = await createPresignedPost(t.client(), { Bucket: TEST_BUCKET, Key: key, Conditions: [["content-length-range", 1, 1000]], Expires: 900 });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append("file", new Blob(["x".repeat(1000)]), "f.bin");
    const encoded = new Request(post.url, { method: "POST", body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    const url = new URL(post.url);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": encoded.headers.get("content-type")!, "content-length": body.length } });
    req.write(body.subarray(0, body.length - 600));
    const answer = await collect(req);
    expect({ status: answer.status, code: errorCode(answer.text) }).toEqual({ status: 400, code: "RequestTimeout" });
    await until(async () => (await t.files()).every((f) => !f.includes(".tmp-")));
    expect(await t.s3.store.head(TEST_BUCKET, key)).toBeUndefined();
  });

  it("answers headers that never finish with RequestTimeout and closes the connection", async () => {
    const { socket, received, closed } = rawSocket();
    socket.write(`PUT /${TEST_BUCKET}/users/timeout/slowloris HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-meta-a: `);
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(errorCode(received())).toBe("RequestTimeout");
  });

  it("closes a connection that sends nothing at all", async () => {
    const { closed } = rawSocket();
    await closed;
  });

  it("refuses headers over the size limit with 400 RequestHeaderSectionTooLarge", async () => {
    const { socket, received, closed } = rawSocket();
    socket.write(`GET /${TEST_BUCKET}/x HTTP/1.1\r\nHost: 127.0.0.1\r\nx-filler: ${"a".repeat(9 * 1024)}\r\n\r\n`);
    await closed;
    expect(errorCode(received())).toBe("RequestHeaderSectionTooLarge");
  });

  it("keeps answering while flooded with stalled connections, and then drops every one of them", async () => {
    const stalled: Array<Promise<void>> = [];
    for (let i = 0; i < 40; i++) {
      const { socket, closed } = rawSocket();
      if (i % 2 === 0) socket.write(`GET /${TEST_BUCKET}/x HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      else socket.write(`PUT /${TEST_BUCKET}/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\npartial`);
      stalled.push(closed);
    }
    const client = t.client();
    await client.send(new S3.PutObjectCommand({ Bucket: TEST_BUCKET, Key: "users/timeout/meanwhile", Body: "still here" }));
    const get = await client.send(new S3.GetObjectCommand({ Bucket: TEST_BUCKET, Key: "users/timeout/meanwhile" }));
    expect(await get.Body!.transformToString()).toBe("still here");
    await Promise.all(stalled);
  });
});

describe("connection cap", () => {
  it("closes connections past maxConnections on arrival, and serves again once they are gone", async () => {
    const capped = await startTestS3({ limits: { maxConnections: 4, idleTimeoutMs: 60_000, headersTimeoutMs: 60_000 } });
    try {
      const url = new URL(capped.s3.endpoint);
      const sockets = Array.from({ length: 8 }, () => rawSocket(url));
      const closedEarly: number[] = [];
      await new Promise<void>((resolve) =>
        sockets.forEach(({ closed }, i) =>
          void closed.then(() => {
            closedEarly.push(i);
            if (closedEarly.length === 4) resolve();
          }),
        ),
      );
      expect(closedEarly).toHaveLength(4);
      for (const { socket } of sockets) socket.destroy();
      await Promise.all(sockets.map(({ closed }) => closed));
      // The server learns of the closes a moment after the client: the SDK's own retries cover that moment.
      const client = new S3.S3Client({ region: TEST_REGION, endpoint: capped.s3.endpoint, forcePathStyle: true, credentials: TEST_CREDENTIALS, maxAttempts: 5 });
      await client.send(new S3.HeadBucketCommand({ Bucket: TEST_BUCKET }));
      client.destroy();
    } finally {
      await capped.stop();
    }
  });
});

/** A signed PUT whose body the test sends itself; `forged` signs with a wrong secret. */
async function signedPut(path: string, length: number, headers: Record<string, string>, forged = false) {
  const url = new URL(t.s3.endpoint);
  const credentials = forged ? { ...TEST_CREDENTIALS, secretAccessKey: "not-the-secret" } : TEST_CREDENTIALS;
  const signer = new SignatureV4({ credentials, region: TEST_REGION, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({ method: "PUT", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, "content-length": String(length), "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...headers } }),
    { signingDate: new Date() },
  );
  const req = request({ host: url.hostname, port: url.port, path, method: "PUT", headers: signed.headers });
  return { req, answer: collect(req) };
}

function collect(req: ClientRequest): Promise<{ status: number; headers: IncomingMessage["headers"]; text: string }> {
  return new Promise((resolve, reject) => {
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
  });
}

function rawSocket(url = new URL(t.s3.endpoint)): { socket: Socket; received(): string; closed: Promise<void> } {
  const socket = connect(Number(url.port), url.hostname);
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => Buffer.concat(chunks).toString("utf8"), closed };
}
