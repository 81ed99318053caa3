import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { toErrorResponse, UnauthorizedError, ValidationError } from "@media/core/errors";
import { log, withLogScope } from "./log";
import { flushMetrics } from "./metrics";

/** What the authorizer hands every protected route (API Gateway puts it under authorizer.lambda). */
export interface AuthorizerContext {
  userId: string;
  email?: string;
}

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2["requestContext"] & { authorizer?: { lambda?: Partial<AuthorizerContext> } };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface Reply {
  status: number;
  body?: unknown;
  /** A whole HTML page instead of a JSON body (the share link's page for browsers). */
  html?: string;
  headers?: Record<string, string>;
}

/**
 * The one HTTP wrapper: runs a route, renders every thrown error as `{error: {code, message}}` with its
 * status, and never lets a stack trace or an AWS message out. Every line the route logs carries the API
 * Gateway request id, Lambda's request id, the route and the caller's `sub`; one line per request says
 * how it ended, and the invocation's metrics are flushed once, at the end.
 */
export function route(fn: (event: HttpEvent, context: Context) => Promise<Reply>) {
  return async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const scope = {
      requestId: event.requestContext?.requestId,
      awsRequestId: context?.awsRequestId,
      routeKey: event.routeKey,
      sub: event.requestContext?.authorizer?.lambda?.userId,
    };
    return withLogScope(scope, async () => {
      const started = performance.now();
      const durationMs = () => Math.round(performance.now() - started);
      try {
        const reply = await fn(event, context);
        log.info("request handled", { status: reply.status, durationMs: durationMs() });
        return render(reply);
      } catch (error) {
        const { status, body, headers } = toErrorResponse(error);
        if (status >= 500) log.error("request failed", { status, durationMs: durationMs(), error });
        else log.info("request refused", { status, errorCode: body.error.code, durationMs: durationMs() });
        return render(headers ? { status, body, headers } : { status, body });
      } finally {
        flushMetrics();
      }
    });
  };
}

function render(reply: Reply): HttpResult {
  const headers: Record<string, string> = { "cache-control": "no-store", ...reply.headers };
  if (reply.html !== undefined) return { statusCode: reply.status, headers: { "content-type": "text/html; charset=utf-8", ...headers }, body: reply.html };
  if (reply.body === undefined) return { statusCode: reply.status, headers };
  return {
    statusCode: reply.status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(reply.body),
  };
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * A core schema as the handlers use it: zod 3's, or zod 4 mini's (the account routes', core/mini-schema.ts).
 * Both answer `safeParse` with the parsed value or the issues.
 */
export interface InputSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** The JSON body parsed and validated by the core schema of the call it feeds. */
export function jsonBody<T>(event: HttpEvent, schema: InputSchema<T>): T {
  let text = event.body ?? "";
  if (event.isBase64Encoded) text = Buffer.from(text, "base64").toString("utf8");
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ValidationError("The request body is too large.", { code: "BodyTooLarge" });
  const type = header(event, "content-type");
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ValidationError("Send the request body as application/json.", { code: "UnsupportedContentType" });
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? undefined : JSON.parse(text);
  } catch (cause) {
    throw new ValidationError("The request body is not valid JSON.", { code: "InvalidJson", cause });
  }
  if (parsed === undefined) throw new ValidationError("A JSON request body is required.", { code: "MissingBody" });
  return validate(schema, parsed);
}

/** Query string parameters validated by a core schema. */
export function queryParams<T>(event: HttpEvent, schema: InputSchema<T>): T {
  return validate(schema, event.queryStringParameters ?? {});
}

export function validate<T>(schema: InputSchema<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ field: i.path.map(String).join(".") || "(body)", problem: i.message }));
  const first = fields[0]!;
  throw new ValidationError(`${first.field}: ${first.problem}`, { code: "ValidationError", details: { fields } });
}

export function pathParam(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new ValidationError(`Missing path parameter ${name}.`);
  return value;
}

/** The caller, as the authorizer established it. Missing context means a misconfigured route: refuse. */
export function caller(event: HttpEvent): AuthorizerContext {
  const ctx = event.requestContext.authorizer?.lambda;
  if (!ctx?.userId) throw new UnauthorizedError();
  return ctx.email ? { userId: ctx.userId, email: ctx.email } : { userId: ctx.userId };
}

/** The client's address as API Gateway saw the connection (not a header the client could set). */
export function clientIp(event: HttpEvent): string {
  return event.requestContext.http.sourceIp;
}

export function header(event: HttpEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function bearerToken(event: HttpEvent): string {
  const value = header(event, "authorization");
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw new UnauthorizedError();
  return match[1]!;
}
