import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IndexDeps } from "@media/core/indexing";
import { createCognitoUserAdmin } from "@media/functions/adapters/cognito-user-admin";
import { apiEvent, context, sqsEvent, sqsRecord } from "@media/testing/lambda-events";
import { startLocalAws, TEST_ENV, type LocalAws } from "@media/testing/local-aws";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";
import { purgeUserCli } from "./purge-user-cli";
import { reindexCli } from "./reindex-cli";
import { runInProcess } from "./run-script";

/**
 * The AWS variants of `npm run reindex` and `npm run purge-user` (their main functions, in this process;
 * reindex.test.ts and purge-user.test.ts run each script once as its own process): resource names from an SST outputs
 * file, the AWS SDK clients built as for AWS, and the endpoints redirected to local servers through the
 * SDK's own AWS_ENDPOINT_URL_<SERVICE> variables (never real AWS). The data is made by the real
 * handlers: sign-up, upload through presigned POSTs, the indexer on S3's own event records.
 */
type Handler = (e: ReturnType<typeof apiEvent>, c: ReturnType<typeof context>) => Promise<APIGatewayProxyStructuredResultV2>;
let aws: LocalAws;
let dir: string;
let outputs: string;
let deps: IndexDeps;
let indexer: (e: SQSEvent) => Promise<SQSBatchResponse>;
const handlers: Record<string, Handler> = {};

/** Runs the script's main function in this process, whose environment carries the local endpoints and credentials startLocalAws set. */
function run(script: "reindex" | "purge-user", ...args: string[]) {
  return runInProcess(script === "reindex" ? reindexCli : purgeUserCli, args);
}
async function call(name: string, options: Parameters<typeof apiEvent>[0]) {
  const res = await handlers[name]!(apiEvent(options), context(name));
  return { status: res.statusCode!, body: res.body ? JSON.parse(res.body) : undefined };
}
async function newUser(email: string): Promise<string> {
  const password = "Secret-pass-1!";
  const signup = await call("signup", { method: "POST", path: "/signup", body: { email, password } });
  expect(signup.status).toBe(201);
  const code = aws.outbox.messages(email).at(-1)!.code;
  expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code } })).status).toBe(200);
  return signup.body.userId as string;
}
async function uploadAndIndex(userId: string, fileName: string, bytes: Buffer, contentType: string): Promise<string> {
  const presign = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName, contentType, size: bytes.length } });
  const form = new FormData();
  for (const [k, v] of Object.entries(presign.body.upload.fields as Record<string, string>)) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(bytes)], { type: contentType }), fileName);
  expect((await fetch(presign.body.upload.url, { method: "POST", body: form })).status).toBe(204);
  const event = aws.s3Events.splice(0).find((r) => decodeURIComponent(r.s3.object.key) === presign.body.key)!;
  expect((await indexer(sqsEvent([sqsRecord({ Records: [event] })]))).batchItemFailures).toEqual([]);
  return presign.body.fileId as string;
}
async function keys(prefix: string): Promise<string[]> {
  return (await deps.storage.list({ prefix })).objects.map((o) => o.key);
}

beforeAll(async () => {
  aws = await startLocalAws({ maxFileBytes: 5_000_000, quotaBytes: 50_000_000 });
  for (const name of ["signup", "confirm", "upload", "get-file"]) handlers[name] = ((await import(`@media/functions/api/${name}`)) as { handler: Handler }).handler;
  indexer = (await import("@media/functions/indexer")).handler;
  deps = (await import("@media/functions/indexer-services")).indexerDeps();
  dir = await mkdtemp(join(tmpdir(), "recovery-aws-"));
  outputs = join(dir, "outputs.json");
  // As `sst deploy` writes it: one object per stack.
  await writeFile(
    outputs,
    JSON.stringify({
      "dev-media-Auth": { UserPoolId: TEST_ENV.userPoolId, UserPoolClientId: TEST_ENV.clientId },
      "dev-media-Storage": { BucketName: TEST_ENV.bucket, TableName: process.env.TABLE_NAME, TopicArn: TEST_ENV.topicArn },
      "dev-media-Api": { ApiUrl: "https://example.invalid" },
    }),
  );
  process.env.S3_FORCE_PATH_STYLE = "true";
});
afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("recovery scripts on AWS (SDK pointed at local endpoints)", () => {
  it("reindex --aws --outputs rebuilds a lost record and leaves the rest alone", async () => {
    const userId = await newUser(`reindex-aws-${Date.now()}@example.com`);
    const kept = await uploadAndIndex(userId, "kept.png", pngFixture(4, 4), "image/png");
    const lost = await uploadAndIndex(userId, "lost tune.wav", wavFixture(0.1), "audio/wav");
    const before = (await call("get-file", { method: "GET", path: `/files/${lost}`, pathParameters: { fileId: lost }, userId })).body;
    const usage = await deps.repo.usage(userId, Date.now());
    // Lost: the record goes and, as a corrupted table would leave it, the usage still counts it.
    const { DeleteCommand } = await import("@aws-sdk/lib-dynamodb");
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    const raw = new DynamoDBClient({ region: TEST_ENV.region });
    await raw.send(new DeleteCommand({ TableName: process.env.TABLE_NAME!, Key: { pk: `USER#${userId}`, sk: `FILE#${lost}` } }));
    raw.destroy();

    const r = await run("reindex", "--aws", "--outputs", outputs, "--user", userId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^rebuilt +users/${userId}/${lost} "lost tune.wav" → ready$`, "m"));
    // The rebuilt file is counted once more; the recount brings the usage back to what the records say.
    expect(r.stderr).toContain("1 record(s) already right, 1 rebuilt (1 ready, 0 rejected)");
    const after = (await call("get-file", { method: "GET", path: `/files/${lost}`, pathParameters: { fileId: lost }, userId })).body;
    const strip = ({ fileUrl, downloadUrl, thumbnailUrl, ...rest }: Record<string, unknown>) => rest;
    expect(strip(after)).toEqual(strip(before));
    expect(await deps.repo.usage(userId, Date.now())).toEqual(usage);
    expect((await call("get-file", { method: "GET", path: `/files/${kept}`, pathParameters: { fileId: kept }, userId })).body.status).toBe("ready");

    const again = await run("reindex", "--aws", "--outputs", outputs);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("Nothing to do.");
  });

  it("reindex indexes an upload whose event was lost (its record still pending)", async () => {
    const userId = await newUser(`lost-event-${Date.now()}@example.com`);
    const bytes = pngFixture(7, 2);
    const presign = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName: "lost event.png", contentType: "image/png", size: bytes.length } });
    const form = new FormData();
    for (const [k, v] of Object.entries(presign.body.upload.fields as Record<string, string>)) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(bytes)], { type: "image/png" }));
    expect((await fetch(presign.body.upload.url, { method: "POST", body: form })).status).toBe(204);
    aws.s3Events.splice(0);
    const fileId = presign.body.fileId as string;
    const get = () => call("get-file", { method: "GET", path: `/files/${fileId}`, pathParameters: { fileId }, userId });
    expect((await get()).body.status).toBe("pending");

    const dry = await run("reindex", "--aws", "--outputs", outputs, "--user", userId, "--dry-run");
    expect(dry.stdout).toContain(`would index users/${userId}/${fileId} (its record was pending)`);
    expect((await get()).body.status).toBe("pending");
    const r = await run("reindex", "--aws", "--outputs", outputs, "--user", userId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^indexed +users/${userId}/${fileId} \\(its record was pending\\) → ready \\(thumbnail made\\)$`, "m"));
    expect((await get()).body).toMatchObject({ status: "ready", fileName: "lost event.png", metadata: { width: 7, height: 2 } });
    expect(await deps.repo.usage(userId, Date.now())).toEqual({ files: 1, bytes: bytes.length, reservedBytes: 0 });
  });

  it("reindex indexes a ready record that does not match its object again, keeping what only the table knew", async () => {
    const userId = await newUser(`mismatch-${Date.now()}@example.com`);
    const fileId = await uploadAndIndex(userId, "song.wav", wavFixture(0.2), "audio/wav");
    await deps.repo.update(userId, fileId, { fileName: "renamed song.wav", description: "kept", tags: ["a", "b"] });
    const get = async () => (await call("get-file", { method: "GET", path: `/files/${fileId}`, pathParameters: { fileId }, userId })).body;
    const right = await get();
    const usage = await deps.repo.usage(userId, Date.now());
    const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    const raw = new DynamoDBClient({ region: TEST_ENV.region });
    await raw.send(
      new UpdateCommand({
        TableName: process.env.TABLE_NAME!,
        Key: { pk: `USER#${userId}`, sk: `FILE#${fileId}` },
        UpdateExpression: "SET #s = :s, #m = :m",
        ExpressionAttributeNames: { "#s": "size", "#m": "metadata" },
        ExpressionAttributeValues: { ":s": 1, ":m": {} },
      }),
    );
    raw.destroy();

    const dry = await run("reindex", "--aws", "--outputs", outputs, "--user", userId, "--dry-run");
    expect(dry.stdout).toContain(`would repair users/${userId}/${fileId} (the record says 1 bytes, the object has ${right.size})`);
    const r = await run("reindex", "--aws", "--outputs", outputs, "--user", userId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`repaired  users/${userId}/${fileId} (the record says 1 bytes, the object has ${right.size}) → ready`);
    const strip = ({ fileUrl, downloadUrl, thumbnailUrl, ...rest }: Record<string, unknown>) => rest;
    expect(strip(await get())).toEqual(strip(right));
    expect(await deps.repo.usage(userId, Date.now())).toEqual(usage);
    expect((await run("reindex", "--aws", "--outputs", outputs, "--user", userId)).stderr).toContain("Nothing to do.");
  });

  it("purge-user --aws --outputs deletes the user's account, files and records, and not another's", async () => {
    const gone = await newUser(`purge-aws-${Date.now()}@example.com`);
    const other = await newUser(`keep-aws-${Date.now()}@example.com`);
    await uploadAndIndex(gone, "a.png", pngFixture(3, 3), "image/png");
    const otherFile = await uploadAndIndex(other, "b.png", pngFixture(3, 3), "image/png");

    const dry = await run("purge-user", gone, "--aws", "--outputs", outputs, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("would delete account yes, 0 share link(s), 1 original(s), 1 derived file(s), 1 record(s), usage item yes.");
    expect(await keys(`users/${gone}/`)).toHaveLength(1);

    const r = await run("purge-user", gone, "--aws", "--outputs", outputs);
    expect(r.code, r.stderr).toBe(0);
    expect(await keys(`users/${gone}/`)).toEqual([]);
    expect(await keys(`derived/${gone}/`)).toEqual([]);
    const { CognitoIdentityProviderClient } = await import("@aws-sdk/client-cognito-identity-provider");
    const cognito = new CognitoIdentityProviderClient({ region: TEST_ENV.region });
    const admin = createCognitoUserAdmin({ client: cognito, userPoolId: TEST_ENV.userPoolId });
    expect(await admin.accountExists(gone)).toBe(false);
    expect(await admin.accountExists(other)).toBe(true);
    cognito.destroy();
    expect((await run("purge-user", gone, "--aws", "--outputs", outputs)).stderr).toContain("nothing left");
    expect((await call("get-file", { method: "GET", path: `/files/${otherFile}`, pathParameters: { fileId: otherFile }, userId: other })).body.status).toBe("ready");
    expect(await keys(`users/${other}/`)).toHaveLength(1);
  });

  it("names what is missing when the outputs do not have it", async () => {
    const partial = join(dir, "partial.json");
    await writeFile(partial, JSON.stringify({ "dev-media-Storage": { BucketName: "b" } }));
    const r = await run("reindex", "--aws", "--outputs", partial);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("AWS needs --table (TableName)");
    expect((await run("purge-user", "0f8fad5b-d9cb-469f-a165-70867728950e", "--local", "--aws")).code).toBe(2);
  });
});
