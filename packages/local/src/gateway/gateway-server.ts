import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from "aws-lambda";
import type { RouteDefinition } from "@media/core/routes";
import { apiEvent, authorizerEvent, requestFacts, type GatewayIdentity } from "./api-event";
import { AuthorizerCache, type AuthorizerDecision } from "./authorizer-cache";
import { lambdaContext } from "./lambda-context";
import { createRouteMatcher } from "./route-matcher";

export type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEventV2, context: Context) => Promise<AuthorizerDecision>;

/** A request the gateway does not route (local extras, the web app); returns true when it answered. */
export type Fallback = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface GatewayOptions {
  routes: readonly RouteDefinition[];
  loadHandler: (name: string) => Promise<RouteHandler>;
  authorizer: AuthorizerHandler;
  authorizerCacheSeconds: number;
  identity: GatewayIdentity;
  corsOrigins: string[];
  before?: Fallback;
  after?: Fallback;
  port: number;
  host?: string;
  onError?: (error: unknown, routeKey: string) => void;
}

// API Gateway's own limit on a request payload.
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * The local API Gateway (HTTP API): routes from the shared route table, REQUEST authorizer with simple
 * responses cached by the Authorization header, payload 2.0 events, and API Gateway's own answers
 * (`{"message": "Unauthorized"}` 401 without a token, 403 on a denial, 404 for no route).
 */
export async function startGateway(options: GatewayOptions): Promise<{ url: string; port: number; server: Server; cache: AuthorizerCache; close(): Promise<void> }> {
  const match = createRouteMatcher(options.routes);
  const cache = new AuthorizerCache(options.authorizerCacheSeconds * 1000);
  const handlers = new Map<string, Promise<RouteHandler>>();
  const handlerFor = (name: string) => {
    let h = handlers.get(name);
    if (!h) {
      h = options.loadHandler(name);
      handlers.set(name, h);
    }
    return h;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error, "(gateway)");
      if (!res.headersSent) send(res, 500, { message: "Internal Server Error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gateway.local");
    const origin = req.headers.origin;
    const allowedOrigin = origin && (options.corsOrigins.includes(origin) || options.corsOrigins.includes("*")) ? origin : undefined;
    if (allowedOrigin) {
      res.setHeader("access-control-allow-origin", allowedOrigin);
      res.setHeader("vary", "origin");
    }
    if (req.method === "OPTIONS" && allowedOrigin && req.headers["access-control-request-method"]) {
      res.writeHead(204, {
        "access-control-allow-methods": "GET,POST,PATCH,DELETE,OPTIONS",
        "access-control-allow-headers": "authorization,content-type",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    if (options.before && (await options.before(req, res, url))) return;
    const method = req.method ?? "GET";
    const found = match(method, url.pathname);
    if (!found) {
      if (options.after && (await options.after(req, res, url))) return;
      send(res, 404, { message: "Not Found" });
      return;
    }
    const body = await readBody(req);
    if (body === "too-large") {
      send(res, 413, { message: "Request Entity Too Large" });
      return;
    }
    const facts = requestFacts(req, url);
    let authorizerContext: Record<string, unknown> | undefined;
    if (found.route.auth) {
      const identity = facts.headers.authorization;
      // A missing identity source never reaches the authorizer: API Gateway answers 401 itself.
      if (!identity) {
        send(res, 401, { message: "Unauthorized" });
        return;
      }
      let decision = cache.get(identity);
      if (!decision) {
        try {
          const answer: unknown = await options.authorizer(authorizerEvent(facts, found, options.identity, identity), lambdaContext("authorizer", facts.requestId));
          decision = simpleResponse(answer);
        } catch (error) {
          // As API Gateway: an authorizer that fails (or answers something other than a simple
          // response) is the API's fault, a 500, never a denial; and nothing is cached.
          options.onError?.(error, "authorizer");
          send(res, 500, { message: "Internal Server Error" });
          return;
        }
        cache.set(identity, decision);
      }
      if (!decision.isAuthorized) {
        send(res, 403, { message: "Forbidden" });
        return;
      }
      authorizerContext = decision.context ?? {};
    }
    const event = apiEvent(facts, found, body, options.identity, authorizerContext);
    let result: unknown;
    try {
      const handler = await handlerFor(found.route.handler);
      result = await handler(event, lambdaContext(found.route.handler.replace(/\W/g, "-"), facts.requestId));
    } catch (error) {
      options.onError?.(error, found.routeKey);
      send(res, 500, { message: "Internal Server Error" });
      return;
    }
    writeResult(res, result, facts.requestId);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host === "0.0.0.0" ? "127.0.0.1" : (options.host ?? "127.0.0.1")}:${port}`,
    port,
    server,
    cache,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A simple response as API Gateway accepts it: `isAuthorized` a boolean, `context` an object if present. */
function simpleResponse(answer: unknown): AuthorizerDecision {
  const a = answer as Partial<AuthorizerDecision> | null | undefined;
  const validContext = a?.context === undefined || (typeof a.context === "object" && a.context !== null && !Array.isArray(a.context));
  if (typeof a?.isAuthorized !== "boolean" || !validContext) throw new Error("The authorizer's answer is not a simple response");
  return a.context === undefined ? { isAuthorized: a.isAuthorized } : { isAuthorized: a.isAuthorized, context: a.context };
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_PAYLOAD_BYTES) {
    req.resume();
    return "too-large";
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Payload 2.0 response mapping: a structured result as given, anything else as a 200 JSON body. */
function writeResult(res: ServerResponse, result: unknown, requestId: string): void {
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
