import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { crc32, createDynaliteWithStore, isDynaliteError } from "./dynalite-internals";
import { clientTokens, fingerprintOf } from "./client-tokens";
import { cacheParsedExpressions } from "./expression-cache";
import { cacheTableDescriptions } from "./table-descriptions";
import { prereadBody } from "./preread-body";
import { readInThread } from "./thread-reads";
import { requestId } from "./request-ids";
import { transactGet } from "./transact-get";
import { transactGetValidation, transactWriteValidation, validateRequest } from "./transact-request";
import { transactWrite, type OnApplyStep } from "./transact-write";

/**
 * The local DynamoDB: dynalite, plus TransactWriteItems and TransactGetItems.
 *
 * Why here and not a package: dynalite has no transactions (dynalite#98, #151); the pull request that
 * would add them (mhart/dynalite#143) is not in any release up to dynalite 4.0.0, and the npm packages
 * around dynalite (jest-dynalite, serverless-dynalite, …) only start it. DynamoDB Local needs Java. So the two operations
 * are written beside dynalite, on its own store, locks, validation and single-item actions
 * (dynalite-internals.ts), and every other operation still goes to dynalite unchanged.
 *
 * This is the one way a local DynamoDB starts: the runtime's worker thread and the tests' `startDynalite`.
 */
export interface LocalDynaliteOptions {
  /** The LevelDB directory; in memory when absent. */
  path?: string;
  /** Observes (in tests: interrupts) each step of applying a transaction. */
  onApplyStep?: OnApplyStep;
  /** The clock of client-token expiry (tests move it past the 10 minutes). */
  now?: () => number;
}

const TARGET_PREFIX = "DynamoDB_20120810.";
/**
 * How long an idle connection stays open. The SDK clients keep their sockets pooled for the next call;
 * Node's default (5 s) closed them after any lull, so the next burst of calls opened them all again, and
 * a busy thread accepts one new connection per turn of its event loop (libuv since 1.45,
 * libuv/libuv#3696): the first calls of a burst of 64 then waited hundreds of milliseconds to be read.
 */
const IDLE_CONNECTION_MS = 10 * 60_000;
const MAX_REQUEST_BYTES = 16 * 1024 * 1024; // dynalite's own limit for every request

type Operation = (data: unknown) => Promise<Record<string, unknown>>;

export function createLocalDynalite(options: LocalDynaliteOptions = {}): Server {
  // Tables become ACTIVE at once: nothing local waits for them, as the stacks' tables exist before any call.
  const { server, store } = createDynaliteWithStore({ ...(options.path ? { path: options.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  readInThread(store);
  cacheTableDescriptions(store);
  cacheParsedExpressions();
  const context = { store, onApplyStep: options.onApplyStep };
  const tokens = clientTokens(store, options.now);
  const operations: Record<string, Operation> = {
    TransactWriteItems: async (body) => {
      const request = body as Record<string, unknown> | null;
      // Fingerprinted as sent: validation rewrites the request (parsed expressions, unknown fields dropped).
      const fingerprint = request?.ClientRequestToken === undefined ? undefined : fingerprintOf(request);
      const data = validateRequest(body, transactWriteValidation, store);
      if (fingerprint === undefined) return transactWrite(context, data);
      return tokens.once(data.ClientRequestToken as string, fingerprint, (record) => transactWrite(context, data, record));
    },
    TransactGetItems: async (body) => transactGet(store, validateRequest(body, transactGetValidation, store)),
  };
  const [dynaliteHandler] = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (!dynaliteHandler) throw new Error("dynalite's server has no request handler: its internals changed");
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const target = req.headers["x-amz-target"];
    const operation = req.method === "POST" && typeof target === "string" && target.startsWith(TARGET_PREFIX) ? operations[target.slice(TARGET_PREFIX.length)] : undefined;
    if (operation) void serve(operation, req, res);
    else dynaliteHandler.call(server, req, res);
  });
  return server;
}

/** Reads the JSON body, runs the operation and answers as dynalite answers (request id, CRC32, content type). */
async function serve(operation: Operation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
  res.setHeader("x-amzn-RequestId", requestId());
  const send = (status: number, payload: unknown) => {
    const body = JSON.stringify(payload);
    res.statusCode = status;
    res.setHeader("x-amz-crc32", crc32.unsigned(body));
    res.setHeader("Content-Type", contentType === "application/x-amz-json-1.0" ? contentType : "application/json");
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  };
  const preread = prereadBody(req);
  let body: unknown = preread?.json;
  if (body === undefined) {
    let text: string;
    try {
      text = preread && preread.bytes.length <= MAX_REQUEST_BYTES ? preread.bytes.toString("utf8") : await readBody(req);
    } catch {
      res.statusCode = 413;
      res.end();
      return;
    }
    try {
      body = JSON.parse(text);
    } catch {
      return send(400, { __type: "com.amazon.coral.service#SerializationException" });
    }
  }
  try {
    send(200, await operation(body));
  } catch (error) {
    if (isDynaliteError(error)) return send(error.statusCode, error.body);
    send(500, { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "Internal server error" });
    // A bug here must be seen, as dynalite lets its own errors crash the server.
    process.emitWarning(error instanceof Error ? error : new Error(String(error)), "LocalDynamoTransactionError");
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new Error("request too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
