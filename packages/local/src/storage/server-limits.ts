import type { IncomingMessage, Server, ServerOptions, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { renderS3Error, S3Errors, type S3Error } from "./s3-errors";

/**
 * How long and how much the storage lets one connection hold it, so a laptop's runtime keeps answering
 * (and the API in the same process keeps its file descriptors) while someone floods the storage with
 * stalled connections:
 * - headers must arrive within `headersTimeoutMs` (slowloris), and their size is capped;
 * - a connection that moves no byte either way for `idleTimeoutMs` is dropped; an upload stalled
 *   mid-body first gets S3's 400 RequestTimeout (S3 drops an idle upload after about 20 seconds);
 * - at most `maxConnections` sockets at once; past that new ones are closed on arrival.
 * There is deliberately no limit on a request's total time: a large upload may take as long as it
 * keeps sending. Tests pass short values; the defaults are S3's.
 */
export interface ServerLimits {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 20_000,
  idleTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
  // Node's own default, made explicit: room for a 1024-byte key percent-encoded three times over in a
  // presigned URL, plus the SDK's headers.
  maxHeaderBytes: 16 * 1024,
  maxConnections: 512,
};

/** Options that only `createServer` takes. */
export function serverOptions(limits: ServerLimits): ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks header deadlines on this period (30 s by default), so short test deadlines need a short one.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    requestTimeout: 0,
  };
}

/** Timeouts, the connection cap, and S3's XML for what Node refuses before a request exists. */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // An idle keep-alive connection is closed by this, quietly, before the idle timeout could answer it.
  server.keepAliveTimeout = Math.min(limits.keepAliveTimeoutMs, Math.floor(limits.idleTimeoutMs / 2));
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, limits));
  server.on("timeout", (socket: Socket) => {
    if (inFlight.has(socket)) return; // its request's own listener decides (watchIdle)
    // Bytes arrived since the last answer: a request whose headers never finished (slowloris).
    if (socket.bytesRead > (answeredBytes.get(socket) ?? 0)) answerClientError(Object.assign(new Error("idle"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }), socket, limits);
    else socket.destroy();
  });
}

/** Sockets with a request being handled, and how many bytes each had read when its last answer went out. */
const inFlight = new WeakSet<Socket>();
const answeredBytes = new WeakMap<Socket, number>();

/**
 * A request in flight whose connection went idle. An upload stalled mid-body is answered RequestTimeout
 * and its connection closed (the handler then sees the body cut short and stores nothing); a download
 * the client stopped reading is cut. A request whose body has all arrived, or whose body the storage
 * itself is holding back, is the server's own work (a large file being committed) and is left to go on.
 */
export function watchIdle(req: IncomingMessage, res: ServerResponse, answer: (error: S3Error) => void): void {
  const socket = req.socket;
  inFlight.add(socket);
  res.once("close", () => {
    inFlight.delete(socket);
    answeredBytes.set(socket, socket.bytesRead);
  });
  res.on("timeout", () => {
    if (res.headersSent) {
      if (!res.writableFinished) res.destroy();
      return;
    }
    // Body all in, or held back by the storage itself (a paused stream is backpressure from the disk):
    // the server's own pace, not a stalled client.
    if (req.complete || req.readableFlowing === false) return;
    res.setHeader("Connection", "close");
    // Destroying the request, not only its socket: Node detaches an answered request from its socket,
    // so a closing socket would no longer end the handler's body stream, and the upload would hang.
    res.once("finish", () => {
      req.destroy();
      socket.destroy();
    });
    answer(S3Errors.requestTimeout());
  });
}

function answerClientError(error: NodeJS.ErrnoException, socket: Socket, limits: ServerLimits): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const s3Error =
    error.code === "HPE_HEADER_OVERFLOW"
      ? S3Errors.requestHeaderSectionTooLarge(limits.maxHeaderBytes)
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? S3Errors.requestTimeout()
        : S3Errors.badRequest();
  const body = Buffer.from(renderS3Error(s3Error, randomBytes(8).toString("hex").toUpperCase(), randomBytes(32).toString("base64")), "utf8");
  const head = `HTTP/1.1 ${s3Error.status} Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\nConnection: close\r\nServer: AmazonS3\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]));
}
