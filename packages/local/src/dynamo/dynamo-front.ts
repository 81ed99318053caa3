import { Agent, createServer, request as httpRequest, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import type { LocalIam } from "../iam/local-iam";
import { serviceVerifier, type SigV4FailureKind } from "../iam/sigv4-service";
import { dynamoRequests } from "./dynamo-actions";
import { listenLocal } from "../listen-local";
import { attachPrereadBody } from "./preread-body";

/**
 * What DynamoDB does before a request reaches a table, which dynalite does not: check the SigV4
 * signature and ask the signer's IAM policy for every action the call needs (dynamo-actions.ts). An
 * accepted request goes on, byte for byte, to the table.
 *
 * In the runtime it runs in the local DynamoDB's thread, in front of dynalite's handler on the same
 * server (`guardTable`, dynalite-worker.mjs). It used to be an HTTP proxy on the runtime's main thread:
 * every DynamoDB call then crossed loopback twice and the main event loop (which also serves the gateway
 * and runs the handlers) parsed, verified and re-sent each one. A real DynamoDB checks signatures on its
 * own side too. The proxy remains for a table served elsewhere (`startDynamoFront`, the functions' tests).
 *
 * Refusals are DynamoDB's (AWS JSON 1.0, HTTP 400): MissingAuthenticationTokenException,
 * IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException and
 * AccessDeniedException with AWS's "User: … is not authorized to perform: …" message.
 */
const TARGET_PREFIX = "DynamoDB_20120810.";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const FAILURES: Record<SigV4FailureKind, string> = {
  missing: "MissingAuthenticationTokenException",
  incomplete: "IncompleteSignatureException",
  "unknown-key": "UnrecognizedClientException",
  mismatch: "InvalidSignatureException",
};

/** Whose keys and policies, and where the tables are (their ARNs). */
export interface TableSite {
  iam: LocalIam;
  region: string;
  accountId: string;
}

/** Serves only authenticated, authorized requests; `next` gets each with its body, already read. */
export function guardDynamo(where: TableSite, next: (req: IncomingMessage, res: ServerResponse, body: Buffer, json?: Record<string, unknown>) => void | Promise<void>): RequestListener {
  const { iam, region, accountId } = where;
  const verify = serviceVerifier({ service: "dynamodb", region, secretOf: (id) => iam.secretOf(id) });
  const tableArn = (table: string) => `arn:aws:dynamodb:${region}:${accountId}:table/${table}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return refuse(res, 413, "SerializationException", "Request body too large");
    const verified = await verify({ method: req.method ?? "POST", url: req.url ?? "/", rawHeaders: req.rawHeaders, body });
    if (!verified.ok) return refuse(res, 400, FAILURES[verified.kind], verified.message);
    const targetHeader = String(req.headers["x-amz-target"] ?? "");
    let json: Record<string, unknown> | undefined;
    if (targetHeader.startsWith(TARGET_PREFIX)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8") || "{}");
      } catch {
        parsed = undefined;
      }
      // A body that is not JSON goes on to the table, which answers it with DynamoDB's SerializationException.
      if (parsed && typeof parsed === "object") {
        json = parsed as Record<string, unknown>;
        for (const request of dynamoRequests(targetHeader.slice(TARGET_PREFIX.length), json, tableArn)) {
          const decision = iam.authorize(verified.accessKeyId, request);
          if (!decision.allowed) return refuse(res, 400, "AccessDeniedException", decision.message);
        }
      }
    }
    await next(req, res, body, json);
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 500, "InternalServerError", error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  };
}

/** The table's own request handler (dynalite's, in its thread) behind the guard. */
export function guardTable(where: TableSite, table: RequestListener): RequestListener {
  return guardDynamo(where, (req, res, body, json) => table(attachPrereadBody(replay(req, body), json ? { bytes: body, json } : { bytes: body }), res));
}

export interface DynamoFrontOptions {
  /** The table server's endpoint, reached only through this front. */
  target: string;
  iam: LocalIam;
  region: string;
  accountId: string;
  port?: number;
  /** The host names it answers for (host-guard.ts); by default loopback. */
  hosts?: ServedHosts;
}

/** The guard as an HTTP proxy of its own, for a table served by another server. */
export async function startDynamoFront(options: DynamoFrontOptions): Promise<{ endpoint: string; close(): Promise<void> }> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
        answer.once("end", resolve);
        answer.once("error", reject);
      });
      upstream.once("error", reject);
      upstream.end(body);
    });
  const server = createServer(guardHosts(options.hosts ?? servedHosts({}), guardDynamo(options, forward)));
  const listening = await listenLocal(server, options.port);
  return {
    endpoint: listening.endpoint,
    close: async () => {
      await listening.close();
      agent.destroy();
    },
  };
}

/**
 * The request as the table's handler reads it (method, URL, headers, then the body as a stream), with
 * the body already read here: it had to be hashed for the signature before anything else saw it.
 */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const stream = Readable.from(body.length ? [body] : [], { objectMode: false });
  return Object.assign(stream, { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, socket: req.socket }) as unknown as IncomingMessage;
}

function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  // DynamoDB spells the member "Message" for access denials and "message" for the signature errors; the SDK reads either.
  const body = JSON.stringify({ __type: `com.amazon.coral.service#${type}`, [type === "AccessDeniedException" ? "Message" : "message"]: message });
  res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(body), "x-amzn-requestid": crypto.randomUUID() });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
