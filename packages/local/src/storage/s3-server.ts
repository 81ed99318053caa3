/**
 * The local S3: an S3-compatible endpoint on disk that refuses what S3 refuses.
 *
 * Why not an npm package? Checked before writing this (November 2026), in s3rver's source
 * (github.com/jamhall/s3rver, main branch; npm's latest is 3.7.1), the usual Node fake:
 * - POST Object (lib/controllers/object.js `postObject`) files the `policy` field under a switch case
 *   commented "unimplemented": the policy is never decoded, no condition (key, Content-Type,
 *   content-length-range, bucket, expiration) is checked, the form's x-amz-signature is never verified
 *   and uncovered fields are stored as metadata: another key, another type, a file too large, an expired
 *   or altered policy, an altered signature would all be stored.
 * - SigV4 for header and query auth (lib/signature/v4.js, lib/middleware/authentication.js) recomputes
 *   the signature but has an `allowMismatchedSignatures` switch, never checks the payload against
 *   x-amz-content-sha256 or any x-amz-checksum-*, leaves aws-chunked chunk hashes as a TODO, and its
 *   x-amz-content-sha256 pattern admits only UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a hex
 *   hash, so the STREAMING-UNSIGNED-PAYLOAD-TRAILER body today's AWS SDK sends for a streamed PutObject
 *   is refused. Earlier releases accepted any SigV4 signature (jamhall/s3rver#659).
 * - Its filesystem store builds paths from the raw key.
 * moto and LocalStack are Python services, not npm packages, and are known to skip POST policy checks
 * (DESIGN.md §8).
 * So this is our own, with libraries for the solved parts: busboy parses multipart bodies,
 * @smithy/signature-v4 (the SDK's signer) computes the signatures we compare against, node:crypto hashes.
 *
 * Path-style requests only (`http://127.0.0.1:PORT/<bucket>/<key>`, the SDK's `forcePathStyle: true`).
 * Supported: browser POST uploads (policy + SigV4, flexible checksum fields), GetObject/HeadObject
 * (ranges, conditionals, response-* overrides, header or presigned-URL auth), PutObject (plain, hashed,
 * aws-chunked with checksum trailers, If-None-Match/If-Match), multipart uploads (multipart-store.ts),
 * DeleteObject, DeleteObjects,
 * ListObjects(V2), HeadBucket, GetBucketLocation, CORS, `Expect: 100-continue`. Refused as S3 refuses
 * them on this bucket over plain HTTP: ACLs (object-options.ts) and SSE-C. Anything else S3 offers answers
 * 501 NotImplemented rather than pretending. Timeouts and connection limits: server-limits.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { log as defaultLog } from "@media/functions/log";
import { deleteObjects, getBucketLocation, headBucket, listObjects } from "./bucket-handlers";
import { corsResponseHeaders, preflight, type CorsRule } from "./cors";
import { deleteObject, getObject, putObject } from "./object-handlers";
import { continueWhenRead, refuseBeforeContinue } from "./expect-continue";
import { storageLiveness } from "./liveness";
import { isValidBucketName, ObjectStore } from "./object-store";
import { postObject } from "./post-object";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from "./multipart-handlers";
import { MultipartStore } from "./multipart-store";
import {
  createContext,
  discardRestOfBody,
  send,
  sendError,
  type BucketConfig,
  type Logger,
  type RequestContext,
  type ServerDeps,
} from "./request-context";
import type { NotificationConfig, S3EventRecord } from "./s3-events";
import { S3Error, S3Errors } from "./s3-errors";
import { applyServerLimits, DEFAULT_SERVER_LIMITS, watchIdle, serverOptions, type ServerLimits } from "./server-limits";
import { SigV4Verifier, type S3Credentials } from "./sigv4";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import type { LocalIam } from "../iam/local-iam";
import { authorizeOperation, hideMissingKeys } from "./s3-authorization";
import { listenLocal } from "../listen-local";

export interface LocalS3Options {
  dataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** The host names it answers for (host-guard.ts); by default loopback and `host`. */
  hosts?: ServedHosts;
  region: string;
  credentials: S3Credentials | S3Credentials[];
  /**
   * Each signer's IAM policy, as AWS enforces it (its keys are accepted besides `credentials`); without
   * it any valid signature may do anything, as the bucket owner's would.
   */
  iam?: LocalIam;
  buckets: Array<{ name: string; cors?: CorsRule[]; notifications?: NotificationConfig[] }>;
  /**
   * Receives each S3 event record after the object is durably in place (or gone), before the client is
   * answered: an accepted upload has an accepted event. A throw is logged; the object stays.
   */
  onEvent?: (record: S3EventRecord) => Promise<void> | void;
  log?: Logger;
  /** The clock for expiry, skew and timestamps (tests move it). */
  now?: () => Date;
  /** Timeouts and connection limits (server-limits.ts); S3's by default, short ones in tests. */
  limits?: Partial<ServerLimits>;
}

export interface LocalS3 {
  endpoint: string;
  port: number;
  store: ObjectStore;
  /** Unfinished multipart uploads (the lifecycle rule's local counterpart calls `abortInitiatedBefore`). */
  multipart: MultipartStore;
  /** Resolves when the server answers a signed HeadBucket for every bucket (liveness.ts); throws otherwise. */
  alive(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Subresources S3 has and we do not: refused explicitly so no caller mistakes them for done. */
const UNSUPPORTED_SUBRESOURCES = [
  "acl",
  "tagging",
  "versioning",
  "versions",
  "cors",
  "policy",
  "lifecycle",
  "notification",
  "website",
  "logging",
  "restore",
  "select",
  "torrent",
  "legal-hold",
  "retention",
  "object-lock",
  "attributes",
  "encryption",
  "replication",
  "accelerate",
  "analytics",
  "inventory",
  "metrics",
  "ownershipControls",
  "publicAccessBlock",
  "requestPayment",
  "intelligent-tiering",
  "uploadPart",
];

const BUCKETS_FROM_CONFIGURATION = "Creating or deleting buckets is not supported by the local storage; buckets come from the configuration.";

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const buckets = new Map<string, BucketConfig>();
  for (const bucket of options.buckets) {
    if (!isValidBucketName(bucket.name)) throw new Error(`invalid bucket name: ${bucket.name}`);
    buckets.set(bucket.name, { name: bucket.name, cors: bucket.cors ?? [], notifications: bucket.notifications ?? [] });
  }
  const store = await ObjectStore.open(options.dataDir, [...buckets.keys()]);
  const multipart = await MultipartStore.open(options.dataDir, [...buckets.keys()], store);
  const deps: ServerDeps = {
    region: options.region,
    store,
    multipart,
    verifier: new SigV4Verifier({ region: options.region, credentials: [[options.credentials].flat(), options.iam?.keys() ?? []].flat() }),
    ...(options.iam ? { iam: options.iam } : {}),
    buckets,
    onEvent: options.onEvent ?? (() => undefined),
    log: options.log ?? defaultLog,
    now: options.now ?? (() => new Date()),
  };

  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const hosts = options.hosts ?? servedHosts({ host: options.host });
  const server = createServer(serverOptions(limits), guardHosts(hosts, (req, res) => void handle(req, res, deps)));
  server.on(
    "checkContinue",
    guardHosts(hosts, (req: IncomingMessage, res: ServerResponse) => {
      continueWhenRead(req, res);
      void handle(req, res, deps);
    }),
  );
  // Any other expectation is refused in route(), in S3's XML rather than Node's bare 417.
  server.on("checkExpectation", guardHosts(hosts, (req: IncomingMessage, res: ServerResponse) => void handle(req, res, deps)));
  applyServerLimits(server, limits);

  const listening = await listenLocal(server, options.port, options.host);
  const { endpoint, port } = listening;
  const [credentials] = Array.isArray(options.credentials) ? options.credentials : [options.credentials];
  return {
    endpoint,
    port,
    store,
    multipart,
    alive: storageLiveness({ endpoint, region: options.region, credentials: credentials!, buckets: [...buckets.keys()] }),
    close: () => listening.close(),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDeps): Promise<void> {
  const ctx = createContext(req, res, deps);
  watchIdle(req, res, (error) => sendError(ctx, error));
  try {
    await route(ctx, deps);
  } catch (error) {
    const s3Error = error instanceof S3Error ? error : S3Errors.internal(error);
    if (error instanceof S3Error) {
      // No URL or key in the log line: a presigned URL carries its signature.
      deps.log.info("s3 request refused", { method: ctx.method, bucket: ctx.bucketName, status: error.status, s3Code: error.code, requestId: ctx.requestId });
    } else {
      deps.log.error("s3 request failed", { error, method: ctx.method, bucket: ctx.bucketName, requestId: ctx.requestId });
    }
    // Whatever was not read of the body is dropped: a refused request never reaches the disk. A client
    // still waiting for 100 Continue never sends it: the connection closes after the answer instead.
    if (!refuseBeforeContinue(req, res)) await discardRestOfBody(req);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(ctx, s3Error);
  }
}

async function route(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  if (ctx.invalid) throw ctx.invalid;
  const expectation = ctx.header("expect");
  if (expectation !== undefined && expectation.toLowerCase() !== "100-continue") throw S3Errors.expectationFailed(expectation);
  if (ctx.bucketName === undefined) {
    throw ctx.method === "GET" ? S3Errors.notImplemented("ListBuckets is not supported by the local storage.") : S3Errors.methodNotAllowed(ctx.method, "SERVICE", "GET");
  }
  const bucket = ctx.bucket;
  if (!bucket) {
    // A PUT on a bucket that does not exist is CreateBucket: not something this storage does (501, as for
    // the configured buckets), rather than a NoSuchBucket that would read as a typo in the name.
    if (ctx.method === "PUT" && ctx.key === undefined && ctx.query.length === 0) throw S3Errors.notImplemented(BUCKETS_FROM_CONFIGURATION);
    throw S3Errors.noSuchBucket(ctx.bucketName);
  }

  if (ctx.method === "OPTIONS") {
    ctx.corsHeaders = preflight(bucket.cors, {
      origin: ctx.header("origin"),
      method: ctx.header("access-control-request-method"),
      headers: ctx.header("access-control-request-headers"),
    });
    return send(ctx, 200, {});
  }
  ctx.corsHeaders = corsResponseHeaders(bucket.cors, { origin: ctx.header("origin"), method: ctx.method });

  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => ctx.hasParam(name));
  if (unsupported) throw S3Errors.notImplemented(`The '${unsupported}' subresource is not supported by the local storage.`);
  const versionId = ctx.param("versionId");
  if (versionId !== undefined && versionId !== "null") throw S3Errors.notImplemented("Versioning is not supported by the local storage.");

  const isFormPost = ctx.method === "POST" && ctx.key === undefined && !ctx.hasParam("delete");
  // Browser uploads authenticate with the form's policy signature; everything else with SigV4 here,
  // before any handler can touch the disk.
  if (!isFormPost) {
    ctx.auth = await deps.verifier.verifyRequest(ctx, deps.now());
    if (!ctx.auth) throw S3Errors.accessDenied();
    authorizeOperation(ctx, deps.iam);
  }

  if (ctx.key === undefined) return routeBucket(ctx, deps);
  const multipartUpload = ctx.hasParam("uploadId");
  switch (ctx.method) {
    case "GET":
      if (multipartUpload) return listParts(ctx, deps);
      return hideMissingKeys(ctx, deps.iam, () => getObject(ctx, deps));
    case "HEAD":
      return hideMissingKeys(ctx, deps.iam, () => getObject(ctx, deps));
    case "PUT":
      if (multipartUpload || ctx.hasParam("partNumber")) return uploadPart(ctx, deps);
      return putObject(ctx, deps);
    case "POST":
      if (ctx.hasParam("uploads")) return createMultipartUpload(ctx, deps);
      if (multipartUpload) return completeMultipartUpload(ctx, deps);
      throw S3Errors.methodNotAllowed(ctx.method, "OBJECT", "GET, HEAD, PUT, DELETE");
    case "DELETE":
      if (multipartUpload) return abortMultipartUpload(ctx, deps);
      return deleteObject(ctx, deps);
    default:
      throw S3Errors.methodNotAllowed(ctx.method, "OBJECT", "GET, HEAD, PUT, DELETE");
  }
}

async function routeBucket(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  switch (ctx.method) {
    case "GET":
      if (ctx.hasParam("location")) return getBucketLocation(ctx, deps);
      if (ctx.hasParam("uploads")) return listMultipartUploads(ctx, deps);
      return listObjects(ctx, deps);
    case "HEAD":
      return headBucket(ctx, deps);
    case "POST":
      if (ctx.hasParam("delete")) return deleteObjects(ctx, deps);
      return postObject(ctx, deps);
    case "PUT":
    case "DELETE":
      throw S3Errors.notImplemented(BUCKETS_FROM_CONFIGURATION);
    default:
      throw S3Errors.methodNotAllowed(ctx.method, "BUCKET", "GET, HEAD, POST");
  }
}
