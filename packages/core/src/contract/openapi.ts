import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z, type ZodTypeAny } from "zod";
import { ERROR_CODES } from "../error-codes";
import * as mini from "zod/v4-mini";
import { ROUTES, routeKey, type RouteDefinition } from "../routes";
import { OPERATIONS, type Operation } from "./operations";
import * as schemas from "./responses";

// The generator reads component names and parameter locations from metadata that `.openapi()` attaches.
extendZodWithOpenApi(z);

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

const STATUS_TEXT: Record<number, string> = {
  400: "The request is malformed (see `error.code`)",
  401: "Not signed in, or the credentials are wrong",
  403: "Refused",
  404: "Not found",
  409: "Conflicts with the current state",
  413: "Too large for the limits or the quota",
  415: "Unsupported media type",
  429: "Rate limited: wait for `Retry-After` seconds",
  500: "Failed on the server's side",
};

/**
 * The OpenAPI 3.1 document of the API, generated from the route table and the schemas the handlers
 * parse with and answer with. `serverUrl` is where the document was fetched from, when known.
 */
export function openApiDocument(options: { serverUrl?: string; version?: string } = {}): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The `accessToken` (or `token`) of POST /login.",
  });
  const refs = registerSchemas(registry);
  for (const route of ROUTES) {
    const operation = OPERATIONS[routeKey(route)];
    if (!operation) throw new Error(`The route ${routeKey(route)} has no operation in contract/operations.ts.`);
    registry.registerPath(pathConfig(route, operation, refs, bearer.name));
  }
  const errorList = Object.entries(ERROR_CODES)
    .map(([code, meaning]) => `- \`${code}\`: ${meaning}`)
    .join("\n");
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Media storage API",
      version: options.version ?? "1.0.0",
      description:
        "Upload, list, share and download images and audio. Bytes go straight to storage with the presigned POST of `POST /upload`.\n\n" +
        `Errors are \`{"error": {"code", "message", "details?"}}\`. The codes:\n${errorList}`,
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
  });
}

type Refs = ReturnType<typeof registerSchemas>;

function registerSchemas(registry: OpenAPIRegistry) {
  return {
    error: registry.register("Error", schemas.ErrorBodySchema),
    gateway: registry.register("GatewayError", schemas.GatewayErrorSchema),
    named: new Map<ZodTypeAny, ZodTypeAny>([
      [schemas.FileSchema, registry.register("File", schemas.FileSchema)],
      [schemas.FileListSchema, registry.register("FileList", schemas.FileListSchema)],
      [schemas.PresignUploadResultSchema, registry.register("UploadAuthorisation", schemas.PresignUploadResultSchema)],
      [schemas.TokensSchema, registry.register("Tokens", schemas.TokensSchema)],
      [schemas.MessageSchema, registry.register("Message", schemas.MessageSchema)],
      [schemas.SignUpResultSchema, registry.register("SignUpResult", schemas.SignUpResultSchema)],
      [schemas.MeSchema, registry.register("Me", schemas.MeSchema)],
      [schemas.CreatedShareSchema, registry.register("CreatedShare", schemas.CreatedShareSchema)],
      [schemas.ShareListSchema, registry.register("ShareList", schemas.ShareListSchema)],
      [schemas.HealthSchema, registry.register("Health", schemas.HealthSchema)],
    ]),
  };
}

function pathConfig(route: RouteDefinition, operation: Operation, refs: Refs, bearer: string): RouteConfig {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const request: NonNullable<RouteConfig["request"]> = {};
  if (pathParams.length > 0) request.params = z.object(Object.fromEntries(pathParams.map((name) => [name, z.string()])));
  if (operation.query) request.query = operation.query;
  if (operation.body) request.body = { required: !operation.bodyOptional, content: { "application/json": { schema: requestSchema(operation.body) } } };

  const responses: Record<string, ResponseConfig> = { [operation.success.status]: successResponse(operation, refs) };
  // API Gateway answers these itself on a guarded route ({message}), besides the handler's {error}.
  const gatewayStatuses = route.auth ? [401, 403, 500] : [];
  for (const status of new Set([400, 429, 500, ...(operation.errors ?? []), ...gatewayStatuses])) {
    const schema = gatewayStatuses.includes(status) ? z.union([refs.error, refs.gateway]) : refs.error;
    const response: ResponseConfig = { description: STATUS_TEXT[status] ?? "Error", content: { "application/json": { schema } } };
    if (status === 429) response.headers = { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } };
    responses[status] = response;
  }
  return {
    method: route.method.toLowerCase() as RouteConfig["method"],
    path: route.path,
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    ...(route.auth ? { security: [{ [bearer]: [] }] } : {}),
    ...(Object.keys(request).length > 0 ? { request } : {}),
    responses,
  };
}

/**
 * A request body's schema: zod 3 as the generator reads it, or zod 4 mini (which zod-to-openapi 7 cannot
 * read) as the JSON Schema zod 4 makes of what it accepts; the document itself is JSON Schema 2020-12.
 */
type BodySchema = NonNullable<NonNullable<NonNullable<RouteConfig["request"]>["body"]>["content"][string]>["schema"];

function requestSchema(schema: NonNullable<Operation["body"]>): BodySchema {
  if (!("_zod" in schema)) return schema;
  const { $schema: _dialect, ...json } = mini.toJSONSchema(schema, { io: "input" });
  return json as BodySchema;
}

function successResponse(operation: Operation, refs: Refs): ResponseConfig {
  const { status, description, schema } = operation.success;
  if (status === 302) return { description, headers: { Location: { description: "Where to go", schema: { type: "string", format: "uri" } } } };
  if (!schema) return status === 204 ? { description } : { description, content: { "application/json": { schema: { type: "object" } } } };
  return { description, content: { "application/json": { schema: refs.named.get(schema) ?? schema } } };
}
