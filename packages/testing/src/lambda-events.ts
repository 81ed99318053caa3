import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context, SQSEvent, SQSRecord } from "aws-lambda";
import { encodeEventKey } from "@media/core/keys";
import type { HttpEvent } from "@media/functions/http";

/**
 * Event factories with every field AWS sends, so handlers are tested against what they will really
 * receive (no SQS record without a messageId, no API event without a requestContext).
 */
export function apiEvent(options: {
  method: string;
  path: string;
  routePath?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  userId?: string;
  /** The client's address as API Gateway reports it (a documentation address by default). */
  sourceIp?: string;
}): HttpEvent {
  const now = Date.now();
  const headers: Record<string, string> = { host: "api.example.com", "user-agent": "vitest", ...options.headers };
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const routeKey = `${options.method} ${options.routePath ?? options.path}`;
  const event: HttpEvent = {
    version: "2.0",
    routeKey,
    rawPath: options.path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "api1234567",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method: options.method, path: options.path, protocol: "HTTP/1.1", sourceIp: options.sourceIp ?? "203.0.113.9", userAgent: "vitest" },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(options.userId ? { authorizer: { lambda: { userId: options.userId } } } : {}),
    },
    isBase64Encoded: false,
  };
  if (options.query) event.queryStringParameters = options.query;
  if (options.pathParameters) event.pathParameters = options.pathParameters;
  if (body !== undefined) event.body = body;
  return event;
}

export function authorizerEvent(authorization: string | undefined): APIGatewayRequestAuthorizerEventV2 {
  const base = apiEvent({ method: "GET", path: "/retrieve", headers: authorization ? { authorization } : {} }) as APIGatewayProxyEventV2;
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: "arn:aws:execute-api:us-east-1:123456789012:api1234567/$default/GET/retrieve",
    identitySource: authorization ? [authorization] : [],
    routeKey: base.routeKey,
    rawPath: base.rawPath,
    rawQueryString: base.rawQueryString,
    headers: base.headers,
    requestContext: base.requestContext,
  } as APIGatewayRequestAuthorizerEventV2;
}

export function s3EventRecord(options: { key: string; size: number; eventName?: string; bucket?: string; sequencer?: string; eTag?: string }) {
  const bucket = options.bucket ?? "media-bucket";
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: new Date().toISOString(),
    eventName: options.eventName ?? "ObjectCreated:Post",
    userIdentity: { principalId: "AWS:AIDAEXAMPLE" },
    requestParameters: { sourceIPAddress: "203.0.113.9" },
    responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD" },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "index-uploads",
      bucket: { name: bucket, ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeEventKey(options.key),
        size: options.size,
        eTag: options.eTag ?? "d41d8cd98f00b204e9800998ecf8427e",
        sequencer: options.sequencer ?? Date.now().toString(16).toUpperCase().padStart(18, "0"),
      },
    },
  };
}

let receipt = 0;
export function sqsRecord(body: unknown, receiveCount = 1): SQSRecord {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const messageId = randomUUID();
  return {
    messageId,
    receiptHandle: `AQEB${messageId}${++receipt}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:index-queue",
    awsRegion: "us-east-1",
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context whose invocation ends `timeoutMs` from now, as getRemainingTimeInMillis tells. */
export function context(name = "test", timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: "test",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
