import { connect } from "node:net";
import type { RouteDefinition } from "@media/core/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RouteHandler } from "./gateway-server";
import type { GatewayLimits } from "./gateway-limits";

const ROUTES: RouteDefinition[] = [
  { method: "GET", path: "/files/{fileId}", handler: "echo", auth: false },
  { method: "POST", path: "/upload", handler: "echo", auth: false },
  { method: "GET", path: "/slow", handler: "slow", auth: false },
];

// Time limits a busy machine can't trip on a request it sends whole: a stalled process would otherwise
// turn an ordinary request into a 408. The tests of the time limits start gateways with short ones.
const LIMITS: Partial<GatewayLimits> = { maxPayloadBytes: 1024, maxHeaderBytes: 2048, integrationTimeoutMs: 50, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, idleTimeoutMs: 60_000 };

let gateway: Awaited<ReturnType<typeof startGateway>>;
const calls: Array<{ handler: string; rawPath: string; body?: string }> = [];
const errors: unknown[] = [];
/** Lets the slow handler finish once the test has seen the gateway give up on it. */
let releaseSlow: () => void = () => undefined;

const handlers: Record<string, RouteHandler> = {
  echo: async (event) => {
    calls.push({ handler: "echo", rawPath: event.rawPath, ...(event.body === undefined ? {} : { body: event.body }) });
    return { statusCode: 200, body: JSON.stringify({ fileId: event.pathParameters?.fileId ?? null, bytes: event.body?.length ?? 0 }) };
  },
  slow: async (event) => {
    calls.push({ handler: "slow", rawPath: event.rawPath });
    await new Promise<void>((resolve) => (releaseSlow = resolve));
    return { statusCode: 200, body: "late" };
  },
};
const start = (limits: Partial<GatewayLimits>) =>
  startGateway({
    routes: ROUTES,
    loadHandler: async (name) => handlers[name]!,
    authorizer: async () => ({ isAuthorized: false }),
    authorizerCacheSeconds: 0,
    identity: { accountId: "000000000000", apiId: "test", region: "us-east-1" },
    corsOrigins: [],
    port: 0,
    limits,
    onError: (error) => errors.push(error),
  });
beforeAll(async () => void (gateway = await start(LIMITS)));
afterAll(() => gateway.close());

/** Runs `use` against a gateway of its own with the given time limits. */
async function withLimits(limits: Partial<GatewayLimits>, use: (port: number) => Promise<void>): Promise<void> {
  const short = await start({ ...LIMITS, ...limits });
  try {
    await use(short.port);
  } finally {
    await short.close();
  }
}

/** Writes raw bytes (what fetch would refuse or fix up) and reads until the server closes or answers. */
function raw(request: string | Buffer, { waitForClose = false, port = gateway.port } = {}): Promise<{ text: string; status: number; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), closedByServer });
    };
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      // One complete answer is enough unless the test waits for the server to hang up.
      const head = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (!waitForClose && head !== -1 && length !== undefined && text.length >= head + 4 + Number(length)) finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("error", reject);
    socket.write(request);
  });
}

const host = () => `127.0.0.1:${gateway.port}`;
const json = (text: string) => JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as unknown;

describe("paths the gateway cannot decode", () => {
  it.each(["/files/%zz", "/files/%", "/files/%E0%A4", "/files/abc%C3", "/%ff", "/files/a%2"])("%s is 400 Bad Request and reaches no handler", async (path) => {
    const before = calls.length;
    const res = await fetch(`${gateway.url}${path}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "Bad Request" });
    expect(calls.length).toBe(before);
  });

  it("decodes good escapes into path parameters and keeps rawPath as sent", async () => {
    const res = await fetch(`${gateway.url}/files/caf%C3%A9%2Fx`);
    expect(await res.json()).toEqual({ fileId: "café/x", bytes: 0 });
    expect(calls.at(-1)!.rawPath).toBe("/files/caf%C3%A9%2Fx");
  });

  it("reads a target starting with // as a path, not as another host", async () => {
    const res = await raw(`GET //evil.example/files/abc HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(404);
  });

  it("answers a request line Node cannot parse with API Gateway's 400", async () => {
    const res = await raw(`GET /files/a b c HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(json(res.text)).toEqual({ message: "Bad Request" });
  });
});

describe("API Gateway's limits", () => {
  it("takes a payload up to the limit and refuses a larger one with 413, declared or chunked", async () => {
    const ok = await fetch(`${gateway.url}/upload`, { method: "POST", body: "x".repeat(1024), headers: { "content-type": "text/plain" } });
    expect(await ok.json()).toEqual({ fileId: null, bytes: 1024 });

    const before = calls.length;
    const declared = await fetch(`${gateway.url}/upload`, { method: "POST", body: "x".repeat(1025), headers: { "content-type": "text/plain" } });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ message: "Request Entity Too Large" });
    const chunked = await raw(`POST /upload HTTP/1.1\r\nHost: ${host()}\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${"y".repeat(1024)}\r\n1\r\nz\r\n0\r\n\r\n`);
    expect(chunked.status).toBe(413);
    expect(json(chunked.text)).toEqual({ message: "Request Entity Too Large" });
    expect(calls.length).toBe(before);
  });

  it("refuses headers past the limit with 431", async () => {
    const res = await raw(`GET /files/a HTTP/1.1\r\nHost: ${host()}\r\nX-Big: ${"b".repeat(4096)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(json(res.text)).toEqual({ message: "Request Header Fields Too Large" });
  });

  it("answers 503 Service Unavailable when a route outlives the integration timeout, and drops its late answer", async () => {
    const res = await fetch(`${gateway.url}/slow`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: "Service Unavailable" });
    releaseSlow();
    // The gateway still answers, and nothing was logged as a failure.
    expect((await fetch(`${gateway.url}/files/a`)).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it("closes a connection whose headers never finish, with 408", async () => {
    await withLimits({ headersTimeoutMs: 150, requestTimeoutMs: 300 }, async (port) => {
      const res = await raw(`GET /files/a HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, { waitForClose: true, port });
      expect(res.closedByServer).toBe(true);
      expect(res.status).toBe(408);
      expect(json(res.text)).toEqual({ message: "Request Timeout" });
    });
  });

  it("closes a connection whose body stalls, without calling the route or logging an error", async () => {
    await withLimits({ headersTimeoutMs: 150, requestTimeoutMs: 300 }, async (port) => {
      const before = calls.length;
      const res = await raw(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b`, { waitForClose: true, port });
      expect(res.closedByServer).toBe(true);
      expect(res.status).toBe(408);
      expect(calls.length).toBe(before);
      expect(errors).toEqual([]);
    });
  });

  it("closes a kept-alive connection once it has been idle", async () => {
    await withLimits({ idleTimeoutMs: 100 }, async (port) => {
      const res = await raw(`GET /files/a HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`, { waitForClose: true, port });
      expect(res.status).toBe(200);
      expect(res.closedByServer).toBe(true);
    });
  });
});
