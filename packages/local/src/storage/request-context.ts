import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import type { LocalIam } from "../iam/local-iam";
import type { CorsRule } from "./cors";
import { headerText } from "./header-text";
import type { MultipartStore } from "./multipart-store";
import type { ObjectStore } from "./object-store";
import { buildEventRecord, matchingNotification, type NotificationConfig, type S3EventName, type S3EventRecord } from "./s3-events";
import { renderS3Error, S3Error, S3Errors } from "./s3-errors";
import type { Authenticated, IncomingSignedRequest, SigV4Verifier } from "./sigv4";
import { xmlDocument } from "./s3-xml";

/** What every handler gets: the parsed request, its response, and the server's parts. */

export interface BucketConfig {
  name: string;
  cors: CorsRule[];
  notifications: NotificationConfig[];
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ServerDeps {
  region: string;
  store: ObjectStore;
  /** Unfinished multipart uploads and their parts. */
  multipart: MultipartStore;
  verifier: SigV4Verifier;
  /** The signers' IAM policies (s3-authorization.ts); without one every valid signature may do anything. */
  iam?: LocalIam;
  buckets: ReadonlyMap<string, BucketConfig>;
  onEvent: (record: S3EventRecord) => Promise<void> | void;
  log: Logger;
  now: () => Date;
}

export interface RequestContext extends IncomingSignedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  hostId: string;
  /** Decoded bucket name from the path, undefined for the service root. */
  bucketName: string | undefined;
  bucket: BucketConfig | undefined;
  /** Decoded object key, undefined for bucket-level requests. */
  key: string | undefined;
  sourceIp: string;
  /** CORS headers that go on whatever this request is answered with. */
  corsHeaders: Record<string, string>;
  auth?: Authenticated;
  /** Set when the URL could not be parsed; the request is answered with it before anything else. */
  invalid?: S3Error;
  param(name: string): string | undefined;
  hasParam(name: string): boolean;
}

/** Parses the request line and headers; a path or query that does not decode leaves `invalid` set. */
export function createContext(req: IncomingMessage, res: ServerResponse, deps: ServerDeps): RequestContext {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? "" : url.slice(q + 1);
  const requestId = randomBytes(8).toString("hex").toUpperCase();
  const hostId = randomBytes(32).toString("base64");

  const headerValues = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const values = headerValues.get(name) ?? [];
    values.push(headerText(req.rawHeaders[i + 1]!).trim());
    headerValues.set(name, values);
  }

  const base = {
    req,
    res,
    requestId,
    hostId,
    method: req.method ?? "GET",
    rawPath,
    query: [] as Array<readonly [string, string]>,
    bucketName: undefined as string | undefined,
    bucket: undefined as BucketConfig | undefined,
    key: undefined as string | undefined,
    sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
    corsHeaders: {} as Record<string, string>,
    header: (name: string) => headerValues.get(name.toLowerCase())?.join(","),
    headerNames: () => [...headerValues.keys()],
    param(name: string) {
      return this.query.find(([n]) => n === name)?.[1];
    },
    hasParam(name: string) {
      return this.query.some(([n]) => n === name);
    },
  };
  const ctx: RequestContext = base;

  try {
    ctx.query = rawQuery
      .split("&")
      .filter((pair) => pair !== "")
      .map((pair) => {
        const eq = pair.indexOf("=");
        const name = eq === -1 ? pair : pair.slice(0, eq);
        const value = eq === -1 ? "" : pair.slice(eq + 1);
        return [decodeQuery(name), decodeQuery(value)] as const;
      });
    if (!rawPath.startsWith("/")) throw S3Errors.invalidUri();
    const slash = rawPath.indexOf("/", 1);
    const rawBucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
    if (rawBucket !== "") {
      ctx.bucketName = decodeURIComponent(rawBucket);
      ctx.bucket = deps.buckets.get(ctx.bucketName);
      if (slash !== -1 && slash + 1 < rawPath.length) ctx.key = decodeURIComponent(rawPath.slice(slash + 1));
    }
  } catch (error) {
    ctx.invalid = error instanceof S3Error ? error : S3Errors.invalidUri();
  }
  return ctx;
}

function decodeQuery(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}

/** Every response carries S3's request ids and the bucket's CORS headers. */
export function send(
  ctx: RequestContext,
  status: number,
  headers: Record<string, string | number>,
  body?: string | Buffer,
  options: { keepOpen?: boolean } = {},
): void {
  const { res } = ctx;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader("x-amz-request-id", ctx.requestId);
  res.setHeader("x-amz-id-2", ctx.hostId);
  res.setHeader("Server", "AmazonS3");
  for (const [name, value] of Object.entries({ ...ctx.corsHeaders, ...headers })) res.setHeader(name, value);
  // The caller streams the body itself (downloads).
  if (options.keepOpen) return;
  if (body !== undefined) {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    res.setHeader("Content-Length", bytes.length);
    res.end(ctx.method === "HEAD" ? undefined : bytes);
  } else {
    if (!res.hasHeader("Content-Length")) res.setHeader("Content-Length", 0);
    res.end();
  }
}

export function sendXml(ctx: RequestContext, status: number, xmlBody: string, headers: Record<string, string | number> = {}): void {
  send(ctx, status, { "Content-Type": "application/xml", ...headers }, xmlDocument(xmlBody));
}

export function sendError(ctx: RequestContext, error: S3Error): void {
  send(ctx, error.status, { "Content-Type": "application/xml", ...error.headers }, renderS3Error(error, ctx.requestId, ctx.hostId));
}

/** Emits the event a configuration asks for; a failing consumer is logged and never undoes the write. */
export async function notify(
  ctx: RequestContext,
  deps: ServerDeps,
  event: { name: S3EventName; key: string; size?: number; etag?: string; sequencer: string },
): Promise<void> {
  const bucket = ctx.bucket;
  if (!bucket) return;
  const config = matchingNotification(bucket.notifications, event.name, event.key);
  if (!config) return;
  const record = buildEventRecord({
    region: deps.region,
    bucket: bucket.name,
    eventName: event.name,
    key: event.key,
    ...(event.size !== undefined ? { size: event.size } : {}),
    ...(event.etag !== undefined ? { etag: event.etag } : {}),
    sequencer: event.sequencer,
    principalId: `AWS:${ctx.auth?.accessKeyId ?? "anonymous"}`,
    sourceIp: ctx.sourceIp,
    requestId: ctx.requestId,
    hostId: ctx.hostId,
    configurationId: config.id,
    time: deps.now(),
  });
  try {
    await deps.onEvent(record);
  } catch (error) {
    deps.log.error("s3 event delivery failed; the object is stored", {
      error,
      bucket: bucket.name,
      key: event.key,
      eventName: event.name,
      sequencer: event.sequencer,
      requestId: ctx.requestId,
    });
  }
}

/**
 * After an early refusal, the rest of a request body is read and dropped (never stored) so the client
 * sees the error response instead of a reset; past `limit` bytes the connection is closed instead.
 * Resolves once the body has ended or the connection closed: an answer sent before that, on a connection
 * that then closes, would find unread bytes in the socket, and the kernel would reset the connection
 * under the client before it read the answer.
 */
const draining = new WeakSet<IncomingMessage>();

export function discardRestOfBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<void> {
  req.unpipe();
  if (req.complete || req.destroyed) return Promise.resolve();
  const drained = new Promise<void>((resolve) => {
    req.once("end", () => resolve());
    req.once("close", () => resolve());
  });
  if (!draining.has(req)) {
    draining.add(req);
    req.on("error", () => undefined);
    let dropped = 0;
    req.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > limit) req.socket.destroy();
    });
    req.resume();
  }
  return drained;
}

/**
 * The request body as a stream that a failing pipeline may destroy without destroying the request
 * (and with it the socket): a body refused mid-stream (bad aws-chunked framing, too long) still gets
 * S3's error response. A client that disconnects mid-body fails the stream as an abort.
 */
export function requestBody(req: IncomingMessage): Readable {
  const body = new PassThrough();
  const onClose = () => {
    if (!req.complete) body.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
  };
  req.once("close", onClose);
  req.on("error", onClose);
  body.once("close", () => req.off("close", onClose));
  req.pipe(body);
  return body;
}

/** Errors from a request stream that mean the client went away or cut the body short. */
export function isClientAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || error.message === "aborted";
}
