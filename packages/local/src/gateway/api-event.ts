import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import type { RequestTarget } from "./request-target";
import type { RouteMatch } from "./route-matcher";

export interface GatewayIdentity {
  accountId: string;
  apiId: string;
  region: string;
}

export interface RequestFacts {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  cookies: string[] | undefined;
  queryStringParameters: Record<string, string> | undefined;
  sourceIp: string;
  requestId: string;
  timeEpoch: number;
  domainName: string;
}

/** Headers as API Gateway v2 passes them: lower-cased names, repeated values joined by commas, cookies apart. */
export function requestFacts(req: IncomingMessage, target: RequestTarget): RequestFacts {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === "cookie") {
      cookies = (Array.isArray(value) ? value.join("; ") : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  let queryStringParameters: Record<string, string> | undefined;
  for (const [k, v] of target.searchParams) {
    queryStringParameters ??= {};
    queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
  }
  const host = headers.host ?? "127.0.0.1";
  const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1";
  // As API Gateway adds them: the client's address appended to any X-Forwarded-For it sent, and the
  // scheme and port it reached the gateway on (plain HTTP here), so handlers can build absolute links.
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${sourceIp}` : sourceIp;
  headers["x-forwarded-proto"] = "http";
  if (req.socket.localPort !== undefined) headers["x-forwarded-port"] = String(req.socket.localPort);
  return {
    method: req.method ?? "GET",
    rawPath: target.path,
    rawQueryString: target.rawQueryString,
    headers,
    cookies,
    queryStringParameters,
    sourceIp,
    requestId: `${randomUUID()}`,
    timeEpoch: Date.now(),
    domainName: host,
  };
}

function requestContext(facts: RequestFacts, match: RouteMatch, id: GatewayIdentity) {
  return {
    accountId: id.accountId,
    apiId: id.apiId,
    domainName: facts.domainName,
    domainPrefix: facts.domainName.split(".")[0]!,
    http: {
      method: facts.method,
      path: facts.rawPath,
      protocol: "HTTP/1.1",
      sourceIp: facts.sourceIp,
      userAgent: facts.headers["user-agent"] ?? "",
    },
    requestId: facts.requestId,
    routeKey: match.routeKey,
    stage: "$default",
    time: new Date(facts.timeEpoch).toUTCString(),
    timeEpoch: facts.timeEpoch,
  };
}

/** The HTTP API payload format 2.0 event for a route. Text bodies go as text, anything else base64. */
export function apiEvent(
  facts: RequestFacts,
  match: RouteMatch,
  body: Buffer,
  id: GatewayIdentity,
  authorizerContext?: Record<string, unknown>,
): APIGatewayProxyEventV2 {
  const type = facts.headers["content-type"] ?? "";
  const textual = body.length === 0 || /^(text\/|application\/(json|x-www-form-urlencoded|xml|.*\+json|.*\+xml))/i.test(type);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: match.routeKey,
    rawPath: facts.rawPath,
    rawQueryString: facts.rawQueryString,
    headers: facts.headers,
    requestContext: requestContext(facts, match, id),
    isBase64Encoded: !textual,
  };
  if (facts.cookies) event.cookies = facts.cookies;
  if (facts.queryStringParameters) event.queryStringParameters = facts.queryStringParameters;
  if (match.pathParameters) event.pathParameters = match.pathParameters;
  if (body.length > 0) event.body = textual ? body.toString("utf8") : body.toString("base64");
  if (authorizerContext) (event.requestContext as unknown as Record<string, unknown>).authorizer = { lambda: authorizerContext };
  return event;
}

/** The REQUEST authorizer event, payload 2.0, with the Authorization header as identity source. */
export function authorizerEvent(facts: RequestFacts, match: RouteMatch, id: GatewayIdentity, identity: string): APIGatewayRequestAuthorizerEventV2 {
  const event: APIGatewayRequestAuthorizerEventV2 = {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:${id.region}:${id.accountId}:${id.apiId}/$default/${facts.method}${facts.rawPath}`,
    identitySource: [identity],
    routeKey: match.routeKey,
    rawPath: facts.rawPath,
    rawQueryString: facts.rawQueryString,
    headers: facts.headers,
    requestContext: requestContext(facts, match, id),
  } as APIGatewayRequestAuthorizerEventV2;
  if (facts.cookies) event.cookies = facts.cookies;
  if (facts.queryStringParameters) event.queryStringParameters = facts.queryStringParameters;
  if (match.pathParameters) event.pathParameters = match.pathParameters;
  return event;
}
