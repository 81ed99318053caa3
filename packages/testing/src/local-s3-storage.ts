import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { CorsRule } from "@media/local/storage/cors";
import type { S3EventRecord } from "@media/local/storage/s3-events";
import type { Logger } from "@media/local/storage/request-context";
import { startLocalS3, type LocalS3 } from "@media/local/storage/s3-server";
import type { ServerLimits } from "@media/local/storage/server-limits";

/**
 * A local S3 for tests: a temporary data directory, a clock the test can move, the real SDK pieces
 * pointed at it (S3Client, createPresignedPost, getSignedUrl) and the events it emitted.
 *
 * The S3 client is of the range packages/functions depends on (3.11xx, flexible checksums by default),
 * a dependency of this package: the repository root holds an older 3.699 pulled in by other tools.
 */
export * as S3 from "@aws-sdk/client-s3";
export type S3ClientType = S3Client;
export { createPresignedPost, getSignedUrl };

export const TEST_REGION = "us-east-1";
export const TEST_BUCKET = "media-test";
export const OTHER_BUCKET = "other-test";
export const TEST_CREDENTIALS = { accessKeyId: "AKIALOCALTEST000001", secretAccessKey: "local-test-secret-key-0123456789" };
export const TEST_ORIGIN = "http://localhost:5173";

export const TEST_CORS: CorsRule[] = [
  {
    AllowedOrigins: [TEST_ORIGIN, "http://*.example.test"],
    AllowedMethods: ["GET", "HEAD", "POST"],
    AllowedHeaders: ["*"],
    ExposeHeaders: ["ETag", "Content-Length", "Content-Range"],
    MaxAgeSeconds: 3000,
  },
];

/** A line the storage logged: what a test waits for when the storage's work has no other visible end. */
export interface LoggedLine {
  level: "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

export interface TestS3 {
  s3: LocalS3;
  /** Every line the storage logged, oldest first. */
  logged: LoggedLine[];
  /** The first line from `logged[from]` on that `matches`, already logged or as soon as it is. */
  waitForLog(matches: (line: LoggedLine) => boolean, from?: number): Promise<LoggedLine>;
  dataDir: string;
  events: S3EventRecord[];
  clock: { offsetMs: number };
  /** The real SDK client; `checksums` "default" keeps the SDK's default (flexible checksums on). */
  client(checksums?: "WHEN_REQUIRED" | "default"): S3ClientType;
  /** Every file under the data directory, relative paths (to prove refusals leave nothing). */
  files(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTestS3(
  options: { onEvent?: (record: S3EventRecord) => Promise<void> | void; limits?: Partial<ServerLimits>; log?: Logger } = {},
): Promise<TestS3> {
  const dataDir = await mkdtemp(join(tmpdir(), "local-s3-"));
  const events: S3EventRecord[] = [];
  const clock = { offsetMs: 0 };
  const logged: LoggedLine[] = [];
  const waiting = new Set<() => void>();
  const record = (level: LoggedLine["level"]) => (message: string, fields: Record<string, unknown> = {}) => {
    logged.push({ level, message, fields });
    options.log?.[level](message, fields);
    for (const check of waiting) check();
  };
  const waitForLog = (matches: (line: LoggedLine) => boolean, from = 0) =>
    new Promise<LoggedLine>((resolve) => {
      const check = () => {
        const found = logged.slice(from).find(matches);
        if (!found) return;
        waiting.delete(check);
        resolve(found);
      };
      waiting.add(check);
      check();
    });
  const s3 = await startLocalS3({
    dataDir,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    buckets: [
      { name: TEST_BUCKET, cors: TEST_CORS, notifications: [{ prefix: "users/", events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] }] },
      { name: OTHER_BUCKET, cors: [], notifications: [] },
    ],
    onEvent: async (record) => {
      events.push(record);
      await options.onEvent?.(record);
    },
    log: { info: record("info"), warn: record("warn"), error: record("error") },
    ...(options.limits ? { limits: options.limits } : {}),
    now: () => new Date(Date.now() + clock.offsetMs),
  });
  const clients: S3ClientType[] = [];
  return {
    s3,
    logged,
    waitForLog,
    dataDir,
    events,
    clock,
    client(checksums = "WHEN_REQUIRED") {
      const client = new S3Client({
        region: TEST_REGION,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
        ...(checksums === "WHEN_REQUIRED" ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : {}),
      });
      clients.push(client);
      return client;
    },
    async files() {
      return listFiles(dataDir);
    },
    async stop() {
      for (const client of clients) client.destroy();
      await s3.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once `check` holds, looking every 25 ms: for state that changes without any event to wait
 * for (files on disk). No deadline of its own: the test's timeout is the only one, so a slow machine
 * makes the test slower, not red.
 */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 25));
}

async function listFiles(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out.sort();
}

/**
 * For uploads from a test: a connection that is not reused. The servers close a keep-alive connection
 * after 5 idle seconds and fetch stops reusing it a little earlier, but a test process kept busy (a big
 * buffer filled synchronously, a loaded machine) may send on it just as the server closes it: the POST
 * then fails with ECONNRESET (seen with 20 MB uploads at a load average of 24). A non-idempotent request
 * is not retried, so it gets a fresh connection instead.
 */
export const FRESH_CONNECTION = { connection: "close" } as const;

/** A browser-style upload: every field of the presigned POST, then the file as the last part. */
export async function postForm(
  url: string,
  fields: Record<string, string>,
  file: Blob | undefined,
  init: { filename?: string; headers?: Record<string, string>; redirect?: "follow" | "manual" } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append("file", file, init.filename ?? "upload.bin");
  // A connection of its own (see FRESH_CONNECTION).
  return fetch(url, { method: "POST", body: form, headers: { ...FRESH_CONNECTION, ...init.headers }, redirect: init.redirect ?? "follow" });
}

/** The Code of an S3 XML error body. */
export function errorCode(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

export function errorMessage(xml: string): string | undefined {
  const raw = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return raw
    ?.replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * A request signed by hand with the SDK's signer and sent with node:http, every header value written as
 * its UTF-8 bytes (as boto3 and curl send them; Node's own client would refuse or latin1-encode them).
 * `path` is sent exactly as given, query included.
 */
export async function sendSigned(
  endpoint: string,
  init: { method: string; path: string; headers?: Record<string, string>; body?: Buffer; payloadHash?: string; signingDate?: Date },
): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = init.body ?? Buffer.alloc(0);
  const q = init.path.indexOf("?");
  const query: Record<string, string> = {};
  if (q !== -1) for (const [name, value] of new URLSearchParams(init.path.slice(q + 1))) query[name] = value;
  const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({
      method: init.method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: q === -1 ? init.path : init.path.slice(0, q),
      query,
      headers: { host: url.host, "content-length": String(body.length), "x-amz-content-sha256": init.payloadHash ?? "UNSIGNED-PAYLOAD", ...init.headers },
    }),
    { signingDate: init.signingDate ?? new Date() },
  );
  const wire: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) wire[name] = Buffer.from(value, "utf8").toString("latin1");
  return sendRaw(url, { method: init.method, path: init.path, headers: wire, body });
}

/** One request with node:http, nothing added but what node:http adds; the whole answer collected. */
export function sendRaw(url: URL, init: { method: string; path: string; headers: Record<string, string>; body?: Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: init.path, method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
