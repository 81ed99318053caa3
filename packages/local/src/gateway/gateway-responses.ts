import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** API Gateway's own answers: a JSON body with only `message`. */
export const GATEWAY_ANSWERS = {
  badRequest: { status: 400, message: "Bad Request" },
  unauthorized: { status: 401, message: "Unauthorized" },
  forbidden: { status: 403, message: "Forbidden" },
  notFound: { status: 404, message: "Not Found" },
  requestTimeout: { status: 408, message: "Request Timeout" },
  payloadTooLarge: { status: 413, message: "Request Entity Too Large" },
  headersTooLarge: { status: 431, message: "Request Header Fields Too Large" },
  internalError: { status: 500, message: "Internal Server Error" },
  serviceUnavailable: { status: 503, message: "Service Unavailable" },
} as const;
export type GatewayAnswer = (typeof GATEWAY_ANSWERS)[keyof typeof GATEWAY_ANSWERS];

export function answer(res: ServerResponse, { status, message }: GatewayAnswer, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ message });
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A request Node's parser refused or timed out before the gateway saw it (malformed request line or
 * header, headers over the limit, a client too slow to send them or its body): answered in API
 * Gateway's shape on the raw socket, which is then closed, unless an answer had already begun.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const { status, message } =
    error.code === "HPE_HEADER_OVERFLOW"
      ? GATEWAY_ANSWERS.headersTooLarge
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? GATEWAY_ANSWERS.requestTimeout
        : GATEWAY_ANSWERS.badRequest;
  const text = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${message}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

/** Payload 2.0 response mapping: a structured result as given, anything else as a 200 JSON body. */
export function writeResult(res: ServerResponse, result: unknown, requestId: string): void {
  res.setHeader("apigw-requestid", requestId);
  const structured = result && typeof result === "object" && "statusCode" in result;
  if (!structured) {
    const text = typeof result === "string" ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(text);
    return;
  }
  const r = result as { statusCode: number; headers?: Record<string, string | number | boolean>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, String(v));
  if (r.cookies?.length) res.setHeader("set-cookie", r.cookies);
  const body = r.body === undefined ? undefined : r.isBase64Encoded ? Buffer.from(r.body, "base64") : Buffer.from(r.body, "utf8");
  if (body) res.setHeader("content-length", body.length);
  res.writeHead(r.statusCode);
  res.end(body);
}
