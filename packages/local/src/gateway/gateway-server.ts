import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from "aws-lambda";
import type { RouteDefinition } from "@media/core/routes";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import { apiEvent, authorizerEvent, requestFacts, type GatewayIdentity } from "./api-event";
import { AuthorizerCache, type AuthorizerDecision } from "./authorizer-cache";
import { within } from "./deadline";
import { API_GATEWAY_LIMITS, type GatewayLimits } from "./gateway-limits";
import { answer, answerClientError, GATEWAY_ANSWERS as A, writeResult } from "./gateway-responses";
import { lambdaContext } from "./lambda-context";
import { readBody } from "./request-body";
import { parseRequestTarget } from "./request-target";
import { createRouteMatcher } from "./route-matcher";
import { listenLocal } from "../listen-local";

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
  /** The host names it answers for (host-guard.ts); by default loopback and `host`. */
  hosts?: ServedHosts;
  /** API Gateway's by default; tests shorten the timeouts. */
  limits?: Partial<GatewayLimits>;
  onError?: (error: unknown, routeKey: string) => void;
}

// API Gateway gives a Lambda authorizer 10 s; past it the request fails as with any authorizer error.
const AUTHORIZER_TIMEOUT_MS = 10_000;

/**
 * The local API Gateway (HTTP API): routes from the shared route table, REQUEST authorizer with simple
 * responses cached by the Authorization header, payload 2.0 events, API Gateway's limits and its own
 * answers (`{"message": "Unauthorized"}` 401 without a token, 403 on a denial, 404 for no route,
 * 400 for a path that cannot be decoded, 413 past 10 MB, 503 past the integration timeout).
 */
export async function startGateway(options: GatewayOptions): Promise<{ url: string; port: number; server: Server; cache: AuthorizerCache; close(): Promise<void> }> {
  const limits: GatewayLimits = { ...API_GATEWAY_LIMITS, ...options.limits };
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

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      // Node enforces the two timeouts above on this beat (30 s by default, too coarse for short limits).
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    },
    guardHosts(options.hosts ?? servedHosts({ host: options.host }), (req, res) => {
      handle(req, res).catch((error: unknown) => {
        options.onError?.(error, "(gateway)");
        if (!res.headersSent) answer(res, A.internalError);
        else res.destroy();
      });
    }),
  );
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.on("clientError", answerClientError);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseRequestTarget(req.url);
    if (!target) return answer(res, A.badRequest);
    const { url } = target;
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
    const found = match(method, target.path);
    if (!found) {
      if (options.after && (await options.after(req, res, url))) return;
      return answer(res, A.notFound);
    }
    const body = await readBody(req, limits.maxPayloadBytes);
    // The rest of an oversized body is never read: the connection closes after the answer.
    if (body === "too-large") return answer(res, A.payloadTooLarge, { connection: "close" });
    if (body === "aborted") return void res.destroy();
    const facts = requestFacts(req, target);
    let authorizerContext: Record<string, unknown> | undefined;
    if (found.route.auth) {
      const identity = facts.headers.authorization;
      // A missing identity source never reaches the authorizer: API Gateway answers 401 itself.
      if (!identity) return answer(res, A.unauthorized);
      let decision = cache.get(identity);
      if (!decision) {
        try {
          const outcome = await within(
            options.authorizer(authorizerEvent(facts, found, options.identity, identity), lambdaContext("authorizer", facts.requestId, AUTHORIZER_TIMEOUT_MS)),
            AUTHORIZER_TIMEOUT_MS,
          );
          if (outcome === "timeout") throw new Error(`the authorizer did not answer within ${AUTHORIZER_TIMEOUT_MS} ms`);
          decision = simpleResponse(outcome.value);
        } catch (error) {
          // As API Gateway: an authorizer that fails (or answers something other than a simple
          // response) is the API's fault, a 500, never a denial; and nothing is cached.
          options.onError?.(error, "authorizer");
          return answer(res, A.internalError);
        }
        cache.set(identity, decision);
      }
      if (!decision.isAuthorized) return answer(res, A.forbidden);
      authorizerContext = decision.context ?? {};
    }
    const event = apiEvent(facts, found, body, options.identity, authorizerContext);
    let outcome: { value: unknown } | "timeout";
    try {
      const handler = await handlerFor(found.route.handler);
      const context = lambdaContext(found.route.handler.replace(/\W/g, "-"), facts.requestId, limits.integrationTimeoutMs);
      outcome = await within(handler(event, context), limits.integrationTimeoutMs);
    } catch (error) {
      options.onError?.(error, found.routeKey);
      return answer(res, A.internalError);
    }
    if (outcome === "timeout") return answer(res, A.serviceUnavailable);
    writeResult(res, outcome.value, facts.requestId);
  }

  const listening = await listenLocal(server, options.port, options.host);
  return { url: listening.endpoint, port: listening.port, server, cache, close: () => listening.close() };
}

/** A simple response as API Gateway accepts it: `isAuthorized` a boolean, `context` an object if present. */
function simpleResponse(answer: unknown): AuthorizerDecision {
  const a = answer as Partial<AuthorizerDecision> | null | undefined;
  const validContext = a?.context === undefined || (typeof a.context === "object" && a.context !== null && !Array.isArray(a.context));
  if (typeof a?.isAuthorized !== "boolean" || !validContext) throw new Error("The authorizer's answer is not a simple response");
  return a.context === undefined ? { isAuthorized: a.isAuthorized } : { isAuthorized: a.isAuthorized, context: a.context };
}
