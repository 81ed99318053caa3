import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { committedPolicies, type FunctionPolicies } from "@media/local/iam/local-iam";
import { captureStdio } from "@media/testing/captured-stdio";
import { apiEvent, context, sqsEvent, sqsRecord } from "@media/testing/lambda-events";
import { asFunction, startLocalAws, type LocalAws } from "@media/testing/local-aws";
import { pngFixture } from "@media/testing/minimal-media";

/**
 * A grant taken away from a function's role, everything else as the stacks synthesize it: the handler
 * that needs it fails with the service's own AccessDenied, as it would on AWS after a deploy, instead of
 * passing locally. (The same handlers with every grant pass in handlers.test.ts.)
 */
function without(policies: FunctionPolicies, functionName: string, action: string): FunctionPolicies {
  const statements = policies[functionName];
  if (!statements?.some((s) => [s.Action ?? []].flat().includes(action))) throw new Error(`${functionName} is not granted ${action} by the stacks`);
  policies[functionName] = statements.map((s) => ({ ...s, Action: [s.Action ?? []].flat().filter((a) => a !== action) }));
  return policies;
}

let aws: LocalAws;
type ApiHandler = (e: ReturnType<typeof apiEvent>, c: ReturnType<typeof context>) => Promise<APIGatewayProxyStructuredResultV2>;
const h: Record<string, ApiHandler> = {};
let indexer: typeof import("../src/indexer").handler;
const stdio = captureStdio();

beforeAll(async () => {
  let policies = committedPolicies();
  policies = without(policies, "api/signup", "cognito-idp:ListUsers");
  policies = without(policies, "api/download-file", "s3:GetObject");
  policies = without(policies, "api/get-file", "dynamodb:GetItem");
  policies = without(policies, "indexer", "sns:Publish");
  aws = await startLocalAws({}, { policies });
  for (const name of ["signup", "upload", "download-file", "get-file"]) {
    h[name] = asFunction(`api/${name}`, ((await import(`../src/api/${name}.ts`)) as { handler: ApiHandler }).handler);
  }
  indexer = asFunction("indexer", (await import("../src/indexer")).handler);
});
afterAll(async () => {
  await aws?.stop();
});

async function call(name: string, options: Parameters<typeof apiEvent>[0]) {
  const res = await h[name]!(apiEvent(options), context(name));
  return { status: res.statusCode!, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers ?? {} };
}

interface LoggedError {
  name: string;
  message: string;
  cause?: LoggedError;
}

/** The service's exception, as the SDK built it from the service's answer: the logged error or its cause. */
function loggedError(): LoggedError {
  const line = stdio.jsonLines<{ level: string; error?: LoggedError }>().find((l) => l.level === "ERROR" && l.error);
  expect(line, "an ERROR line with the error").toBeDefined();
  let error = line!.error!;
  while (error.cause && (error.name === "InternalError" || error.name === "Error")) error = error.cause;
  return error;
}

const role = (fn: string) => `arn:aws:sts::000000000000:assumed-role/media-local-${fn}/media-local-${fn}`;

describe("a grant removed from a function's role", () => {
  it("Cognito: sign-up with a username needs cognito-idp:ListUsers on the pool", async () => {
    const res = await call("signup", { method: "POST", path: "/signup", body: { email: "dan@example.com", password: "Str0ng-enough!", username: "dan" } });
    expect(res.status).toBe(500);
    expect(loggedError()).toMatchObject({ name: "AccessDeniedException", message: expect.stringContaining(`User: ${role("api-signup")} is not authorized to perform: cognito-idp:ListUsers on resource: arn:aws:cognito-idp:us-east-1:000000000000:userpool/`) });
  });

  it("DynamoDB: GET /files/{fileId} needs dynamodb:GetItem on the table", async () => {
    const fileId = "01J00000000000000000000000";
    const res = await call("get-file", { method: "GET", path: `/files/${fileId}`, pathParameters: { fileId }, userId: "5d0c7c1e-1111-4222-8333-944455556666" });
    expect(res.status).toBe(500);
    expect(loggedError()).toMatchObject({ name: "AccessDeniedException", message: expect.stringMatching(/is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/media-handlers because no identity-based policy allows/) });
  });

  it("S3 and SNS: a download URL signed without s3:GetObject is refused by storage; the indexer cannot announce without sns:Publish", async () => {
    const userId = "5d0c7c1e-2222-4222-8333-944455556666";
    const bytes = await pngFixture();
    const presign = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName: "a.png", contentType: "image/png", size: bytes.length } });
    expect(presign.status).toBe(201);
    const form = new FormData();
    for (const [k, v] of Object.entries(presign.body.upload.fields as Record<string, string>)) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(bytes)], { type: "image/png" }), "a.png");
    expect((await fetch(presign.body.upload.url, { method: "POST", body: form })).status).toBe(204);

    // The record is made ready, then the announcement is refused: the message fails, to be retried.
    const records = aws.s3Events.splice(0).map((r) => sqsRecord({ Records: [r] }));
    const result = await indexer(sqsEvent(records));
    expect(result.batchItemFailures).toHaveLength(1);
    expect(loggedError()).toMatchObject({ name: "AuthorizationErrorException", message: expect.stringContaining(`User: ${role("indexer")} is not authorized to perform: sns:Publish`) });

    const download = await call("download-file", { method: "GET", path: `/files/${presign.body.fileId}/download`, pathParameters: { fileId: presign.body.fileId }, userId });
    expect(download.status).toBe(302);
    const refused = await fetch(download.headers.location as string);
    expect(refused.status).toBe(403);
    const xml = await refused.text();
    expect(xml).toContain("<Code>AccessDenied</Code>");
    expect(xml).toContain(`User: ${role("api-download-file")} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::media-test-bucket/${presign.body.key}`);
  });
});
