import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { APIGatewayProxyStructuredResultV2, Handler } from "aws-lambda";
import { apiEvent, authorizerEvent, context, s3EventRecord, sqsEvent, sqsRecord } from "@media/testing/lambda-events";
import { testClock } from "@media/testing/test-clock";
import { asFunction, startLocalAws, TEST_ENV, type LocalAws } from "@media/testing/local-aws";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";

/**
 * Every handler driven with the events API Gateway, the authorizer and SQS really send, against local
 * implementations of the AWS APIs (nothing mocked but one forced failure): every status of the contract.
 */
let aws: LocalAws;
type ApiHandler = (e: ReturnType<typeof apiEvent>, c: ReturnType<typeof context>) => Promise<APIGatewayProxyStructuredResultV2>;
const h: Record<string, ApiHandler> = {};
let authorizer: Handler;
let indexer: typeof import("../src/indexer").handler;
let services: typeof import("../src/services").services;
const clock = testClock();

beforeAll(async () => {
  aws = await startLocalAws({ maxFileBytes: 1000, quotaBytes: 2500 });
  for (const name of ["signup", "confirm", "resend-code", "login", "refresh", "forgot-password", "reset-password", "logout", "upload", "retrieve", "get-file", "download-file", "update-file", "delete-file", "me", "health", "share-file", "list-shares", "revoke-share", "open-share"]) {
    h[name] = asFunction(`api/${name}`, ((await import(`../src/api/${name}.ts`)) as { handler: ApiHandler }).handler);
  }
  // Each runs as its own function, holding its role's policy from the stacks.
  authorizer = asFunction("authorizer", (await import("../src/authorizer")).handler as Handler);
  indexer = asFunction("indexer", (await import("../src/indexer")).handler);
  const composition = await import("../src/services");
  services = composition.services;
  // Installed before the first handler runs, so every service reads it (see each test's resets).
  composition.useClock(clock);
});
afterAll(async () => {
  await aws?.stop();
});

async function call(name: string, options: Parameters<typeof apiEvent>[0]) {
  const res = await h[name]!(apiEvent(options), context(name));
  return { status: res.statusCode!, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers ?? {} };
}

const password = "Str0ng-enough!";
let clients = 0;
/** A client address of its own per user, so the users of this file do not share one address's limits. */
const newClientIp = () => `198.51.100.${++clients}`;
async function newUser(email: string) {
  const sourceIp = newClientIp();
  const signup = await call("signup", { method: "POST", path: "/signup", body: { email, password }, sourceIp });
  expect(signup.status).toBe(201);
  const code = aws.outbox.messages(email).at(-1)!.code;
  expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code }, sourceIp })).status).toBe(200);
  const login = await call("login", { method: "POST", path: "/login", body: { email, password } });
  expect(login.status).toBe(200);
  const auth = await authorizer(authorizerEvent(`Bearer ${login.body.token}`), context("authorizer"), () => undefined);
  expect(auth).toEqual({ isAuthorized: true, context: { userId: signup.body.userId } });
  return { userId: signup.body.userId as string, token: login.body.token as string, refreshToken: login.body.refreshToken as string, idToken: login.body.idToken as string };
}

async function uploadBytes(userId: string, bytes: Buffer, contentType: string, fileName = "f") {
  const presign = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName, contentType, size: bytes.length } });
  expect(presign.status).toBe(201);
  const form = new FormData();
  for (const [k, v] of Object.entries(presign.body.upload.fields as Record<string, string>)) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(bytes)], { type: contentType }), fileName);
  const res = await fetch(presign.body.upload.url, { method: "POST", body: form });
  expect(res.status).toBeLessThan(300);
  return presign.body as { fileId: string; key: string };
}

async function indexPending() {
  const records = aws.s3Events.splice(0).map((r) => sqsRecord({ Records: [r] }));
  return indexer(sqsEvent(records));
}

describe("auth routes", () => {
  it("sign up, refusals and the same answer for a wrong password and an unknown user", async () => {
    const email = "carol@example.com";
    const weak = await call("signup", { method: "POST", path: "/signup", body: { email, password: "short" } });
    expect(weak).toMatchObject({ status: 400, body: { error: { code: "WeakPassword" } } });
    const signup = await call("signup", { method: "POST", path: "/signup", body: { email, password, username: "carol" } });
    expect(signup).toMatchObject({ status: 201, body: { userId: expect.stringMatching(/^[0-9a-f-]{36}$/), confirmed: false } });
    expect((await call("signup", { method: "POST", path: "/signup", body: { email, password } })).status).toBe(409);
    expect((await call("login", { method: "POST", path: "/login", body: { email, password } })).body.error.code).toBe("UserNotConfirmed");
    expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code: "000000" } })).status).toBe(400);
    const code = aws.outbox.messages(email).at(-1)!.code;
    expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code } })).status).toBe(200);
    const wrong = await call("login", { method: "POST", path: "/login", body: { email, password: "Wrong-pass-1" } });
    const unknown = await call("login", { method: "POST", path: "/login", body: { email: "nobody@example.com", password } });
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual({ ...wrong, headers: unknown.headers });
    const login = await call("login", { method: "POST", path: "/login", body: { email, password } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: "Bearer", expiresIn: expect.any(Number), refreshToken: expect.any(String) });
    expect(login.body.token).toBe(login.body.accessToken);
    const refreshed = await call("refresh", { method: "POST", path: "/refresh", body: { refreshToken: login.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).toBeUndefined();
  });

  it("validates bodies before any call: malformed JSON, missing and mistyped fields, wrong content type", async () => {
    expect((await call("signup", { method: "POST", path: "/signup", rawBody: "{", headers: { "content-type": "application/json" } })).body.error.code).toBe("InvalidJson");
    expect((await call("signup", { method: "POST", path: "/signup" })).body.error.code).toBe("MissingBody");
    const missing = await call("signup", { method: "POST", path: "/signup", body: { email: "x@example.com" } });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: "ValidationError", details: { fields: [{ field: "password" }] } } } });
    expect((await call("login", { method: "POST", path: "/login", body: { email: 5, password } })).status).toBe(400);
    expect((await call("login", { method: "POST", path: "/login", rawBody: "email=a", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(400);
  });

  it("forgot password answers alike for unknown accounts; reset works with the code", async () => {
    const { token } = await newUser("dave@example.com");
    expect(token).toBeTruthy();
    const known = await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email: "dave@example.com" } });
    const unknown = await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email: "ghost@example.com" } });
    expect(known.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const code = aws.outbox.messages("dave@example.com").at(-1)!.code;
    expect((await call("reset-password", { method: "POST", path: "/reset-password", body: { email: "dave@example.com", code: "999999", password: "N3w-password!" } })).status).toBe(400);
    expect((await call("reset-password", { method: "POST", path: "/reset-password", body: { email: "dave@example.com", code, password: "N3w-password!" } })).status).toBe(200);
    expect((await call("login", { method: "POST", path: "/login", body: { email: "dave@example.com", password: "N3w-password!" } })).status).toBe(200);
  });

  it("logs in by username as by email; an unknown username is a wrong password; a taken one is 409", async () => {
    const email = "olive@example.com";
    const signup = await call("signup", { method: "POST", path: "/signup", body: { email, password, username: "olive_t" } });
    expect(signup.status).toBe(201);
    const code = aws.outbox.messages(email).at(-1)!.code;
    expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code } })).status).toBe(200);
    const login = await call("login", { method: "POST", path: "/login", body: { username: "olive_t", password } });
    expect(login).toMatchObject({ status: 200, body: { tokenType: "Bearer", refreshToken: expect.any(String) } });
    const auth = await authorizer(authorizerEvent(`Bearer ${login.body.token}`), context("authorizer"), () => undefined);
    expect(auth).toEqual({ isAuthorized: true, context: { userId: signup.body.userId } });
    // An email in the username field signs in too: the identifier decides, not the field name.
    expect((await call("login", { method: "POST", path: "/login", body: { username: email, password } })).status).toBe(200);

    const wrong = await call("login", { method: "POST", path: "/login", body: { username: "olive_t", password: "Wrong-pass-1" } });
    const unknown = await call("login", { method: "POST", path: "/login", body: { username: "nobody_by_that_name", password } });
    const malformed = await call("login", { method: "POST", path: "/login", body: { username: "olive t", password } });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: "InvalidCredentials" } } });
    for (const res of [unknown, malformed]) expect({ status: res.status, body: res.body }).toEqual({ status: wrong.status, body: wrong.body });

    const taken = await call("signup", { method: "POST", path: "/signup", body: { email: "olive2@example.com", password, username: "olive_t" } });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: "UsernameTaken" } } });
    expect(aws.outbox.messages("olive2@example.com")).toEqual([]);
    const badName = await call("signup", { method: "POST", path: "/signup", body: { email: "olive3@example.com", password, username: "olive@home" } });
    expect(badName).toMatchObject({ status: 400, body: { error: { details: { fields: [{ field: "username" }] } } } });
  });

  it("logout signs out everywhere: refresh tokens revoked, and every access token refused by the authorizer at once", async () => {
    const u = await newUser("erin@example.com");
    const other = await call("login", { method: "POST", path: "/login", body: { email: "erin@example.com", password } });
    const bystander = await newUser("erin-neighbour@example.com");
    const out = await call("logout", { method: "POST", path: "/logout", userId: u.userId, headers: { authorization: `Bearer ${u.token}` }, body: { refreshToken: u.refreshToken } });
    expect(out.status).toBe(204);
    for (const refreshToken of [u.refreshToken, other.body.refreshToken]) {
      expect((await call("refresh", { method: "POST", path: "/refresh", body: { refreshToken } })).status).toBe(401);
    }
    for (const token of [u.token, other.body.token]) expect(await authorize(token)).toEqual({ isAuthorized: false, context: {} });
    expect(await authorize(bystander.token)).toEqual({ isAuthorized: true, context: { userId: bystander.userId } });
  });

  it("a password reset signs out everywhere: refresh tokens revoked, access tokens refused at once", async () => {
    const u = await newUser("reset-everywhere@example.com");
    expect((await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email: "reset-everywhere@example.com" } })).status).toBe(202);
    const code = aws.outbox.messages("reset-everywhere@example.com").at(-1)!.code;
    const reset = await call("reset-password", { method: "POST", path: "/reset-password", body: { email: "reset-everywhere@example.com", code, password: "N3w-password!" } });
    expect(reset.status).toBe(200);
    expect((await call("refresh", { method: "POST", path: "/refresh", body: { refreshToken: u.refreshToken } })).status).toBe(401);
    expect(await authorize(u.token)).toEqual({ isAuthorized: false, context: {} });
  });
});

describe("limits on emailed codes", () => {
  const limited = (res: { status: number; headers: Record<string, unknown>; body: { error: { code: string } } }) => {
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("TooManyRequests");
    const wait = Number(res.headers["retry-after"]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(3600);
  };

  it("mails an account at most 5 codes an hour, and answers the sixth 429 with Retry-After, whether or not the account exists", async () => {
    const email = "codes-cap@example.com";
    const ghost = "codes-cap-ghost@example.com";
    const sourceIp = newClientIp();
    expect((await call("signup", { method: "POST", path: "/signup", body: { email, password }, sourceIp })).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await call("resend-code", { method: "POST", path: "/resend-code", body: { email }, sourceIp })).status).toBe(202);
    limited(await call("resend-code", { method: "POST", path: "/resend-code", body: { email }, sourceIp }));
    limited(await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email }, sourceIp: newClientIp() }));
    expect(aws.outbox.messages(email)).toHaveLength(5);
    // An address with no account is counted alike, so the 429 tells nothing about which one exists.
    for (let i = 0; i < 5; i++) expect((await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email: ghost }, sourceIp })).status).toBe(202);
    limited(await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email: ghost }, sourceIp }));
  });

  it("lets one client address ask for at most 30 code emails an hour, whatever the addresses", async () => {
    const sourceIp = newClientIp();
    for (let i = 0; i < 30; i++) {
      expect((await call("forgot-password", { method: "POST", path: "/forgot-password", body: { email: `flood${i}@example.com` }, sourceIp })).status).toBe(202);
    }
    limited(await call("signup", { method: "POST", path: "/signup", body: { email: "flood-victim@example.com", password }, sourceIp }));
    expect(aws.outbox.messages("flood-victim@example.com")).toEqual([]);
    // Another client is not held back by it.
    expect((await call("signup", { method: "POST", path: "/signup", body: { email: "flood-victim@example.com", password }, sourceIp: newClientIp() })).status).toBe(201);
  });

  it("checks at most 10 codes an hour per account, right or wrong, across every code it was sent", async () => {
    const email = "codes-walk@example.com";
    for (let i = 0; i < 10; i++) {
      const res = await call("reset-password", { method: "POST", path: "/reset-password", body: { email, code: String(100000 + i), password: "N3w-password!" }, sourceIp: newClientIp() });
      expect(res.status).toBe(400);
    }
    limited(await call("reset-password", { method: "POST", path: "/reset-password", body: { email, code: "123456", password: "N3w-password!" }, sourceIp: newClientIp() }));
    limited(await call("confirm", { method: "POST", path: "/confirm", body: { email, code: "123456" }, sourceIp: newClientIp() }));
  });

  it("answers Cognito's own attempt limit as 429 with Retry-After: a new code does not buy new guesses", async () => {
    const email = "codes-cognito@example.com";
    const sourceIp = newClientIp();
    expect((await call("signup", { method: "POST", path: "/signup", body: { email, password }, sourceIp })).status).toBe(201);
    const code = aws.outbox.messages(email).at(-1)!.code;
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code: wrong }, sourceIp })).status).toBe(400);
    expect((await call("resend-code", { method: "POST", path: "/resend-code", body: { email }, sourceIp })).status).toBe(202);
    const fresh = aws.outbox.messages(email).at(-1)!.code;
    limited(await call("confirm", { method: "POST", path: "/confirm", body: { email, code: fresh }, sourceIp }));
  });
});

const authorize = (token: string) => authorizer(authorizerEvent(`Bearer ${token}`), context("authorizer"), () => undefined);

describe("authorizer", () => {
  it("accepts access tokens only", async () => {
    const u = await newUser("frank@example.com");
    const deny = { isAuthorized: false, context: {} };
    const run = (auth?: string) => authorizer(authorizerEvent(auth), context("authorizer"), () => undefined);
    expect(await run(undefined)).toEqual(deny);
    expect(await run(`Bearer ${u.idToken}`)).toEqual(deny);
    expect(await run(`Bearer ${u.token}x`)).toEqual(deny);
    expect(await run(`Basic ${u.token}`)).toEqual(deny);
    expect(await run(`Bearer ${u.token}`)).toEqual({ isAuthorized: true, context: { userId: u.userId } });
  });
});

describe("upload", () => {
  it("answers with a presigned POST whose policy binds the key, type, size and expiry", async () => {
    const u = await newUser("gina@example.com");
    const res = await call("upload", { method: "POST", path: "/upload", userId: u.userId, body: { fileName: "a.png", contentType: "Image/PNG; q=1", size: 500 } });
    expect(res.status).toBe(201);
    const { fileId, key, upload, maxBytes } = res.body;
    expect(key).toBe(`users/${u.userId}/${fileId}`);
    expect(maxBytes).toBe(500);
    expect(upload.url).toBe(`${process.env.AWS_ENDPOINT_URL_S3}/${TEST_ENV.bucket}`);
    expect(upload.fields).toMatchObject({ key, "Content-Type": "image/png", "X-Amz-Algorithm": "AWS4-HMAC-SHA256" });
    const policy = JSON.parse(Buffer.from(upload.fields.Policy, "base64").toString("utf8"));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: TEST_ENV.bucket },
        { key },
        { "Content-Type": "image/png" },
        ["content-length-range", 1, 500],
        { "X-Amz-Algorithm": "AWS4-HMAC-SHA256" },
      ]),
    );
    const ttl = Date.parse(policy.expiration) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    expect(Date.parse(upload.expiresAt)).toBeCloseTo(Date.parse(policy.expiration), -4);
  });

  it("refuses types, sizes, names and quota overruns, and leaves nothing behind", async () => {
    const u = await newUser("hank@example.com");
    const up = (body: unknown) => call("upload", { method: "POST", path: "/upload", userId: u.userId, body });
    expect((await up({ fileName: "a.svg", contentType: "image/svg+xml", size: 10 })).status).toBe(415);
    expect((await up({ fileName: "a.exe", contentType: "application/x-msdownload", size: 10 })).status).toBe(415);
    expect(await up({ fileName: "a.png", contentType: "image/png", size: 1001 })).toMatchObject({ status: 413, body: { error: { code: "FileTooLarge" } } });
    expect((await up({ fileName: "a\u0007.png", contentType: "image/png", size: 10 })).status).toBe(400);
    expect((await up({ fileName: "../../a.png", contentType: "image/png", size: 10 })).status).toBe(400);
    expect((await up({ fileName: "a.png", contentType: "image/png", size: -1 })).status).toBe(400);
    expect((await up({ fileName: "a.png", contentType: "image/png", size: 1.5 })).status).toBe(400);
    expect((await up({ fileName: "a.png", contentType: "image/png", size: "10" })).status).toBe(400);
    expect((await up({ fileName: "a.png", contentType: "image/png", size: 1000 })).status).toBe(201);
    expect((await up({ fileName: "b.png", contentType: "image/png", size: 1000 })).status).toBe(201);
    const over = await up({ fileName: "c.png", contentType: "image/png", size: 501 });
    expect(over).toMatchObject({ status: 413, body: { error: { code: "QuotaExceeded", details: { remainingBytes: 500, quotaBytes: 2500 } } } });
    const list = await call("retrieve", { method: "GET", path: "/retrieve", userId: u.userId });
    expect(list.body.files).toHaveLength(2);
    expect(list.body.files.every((f: { status: string }) => f.status === "pending")).toBe(true);
  });

  it("refuses a request without the authorizer's context", async () => {
    expect((await call("upload", { method: "POST", path: "/upload", body: { fileName: "a.png", contentType: "image/png", size: 1 } })).status).toBe(401);
  });
});

describe("indexer and library", () => {
  it("indexes an upload once, ignores test events and duplicates, and serves the file to its owner only", async () => {
    const owner = await newUser("ivy@example.com");
    const other = await newUser("jack@example.com");
    // The indexer checks content: a real (tiny) WAV, within this file's 1000-byte limit.
    const bytes = wavFixture(0.02, 8000);
    const { fileId, key } = await uploadBytes(owner.userId, bytes, "audio/wav", "my song.wav");
    expect(aws.s3Events).toHaveLength(1);
    const [record] = aws.s3Events;
    const duplicate = sqsRecord({ Records: [record] });
    const result = await indexPending();
    expect(result).toEqual({ batchItemFailures: [] });
    expect(aws.events.filter((e) => e.fileId === fileId).map((e) => e.type)).toEqual(["media.ready"]);
    expect(await indexer(sqsEvent([duplicate, sqsRecord({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: TEST_ENV.bucket }), sqsRecord("not json")]))).toEqual({ batchItemFailures: [] });
    expect(aws.events.filter((e) => e.fileId === fileId)).toHaveLength(1);

    const got = await call("get-file", { method: "GET", path: `/files/${fileId}`, pathParameters: { fileId }, userId: owner.userId });
    expect(got).toMatchObject({ status: 200, body: { fileId, fileName: "my song.wav", contentType: "audio/wav", size: bytes.length, status: "ready" } });
    expect(got.body.fileUrl).toContain("response-content-disposition=inline");
    expect(got.body.downloadUrl).toContain("response-content-disposition=attachment");
    const dl = await call("download-file", { method: "GET", path: `/files/${fileId}/download`, pathParameters: { fileId }, userId: owner.userId });
    expect(dl.status).toBe(302);
    const fetched = await fetch(dl.headers.location as string);
    expect(fetched.headers.get("content-disposition")).toBe(`attachment; filename="my song.wav"; filename*=UTF-8''my%20song.wav`);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(bytes);

    for (const [name, method, body] of [["get-file", "GET"], ["download-file", "GET"], ["update-file", "PATCH", { fileName: "x.wav" }]] as const) {
      const res = await call(name, { method, path: `/files/${fileId}`, pathParameters: { fileId }, userId: other.userId, ...(body ? { body } : {}) });
      expect(res, name).toMatchObject({ status: 404, body: { error: { code: "NotFound" } } });
    }
    expect((await call("get-file", { method: "GET", path: "/files/x", pathParameters: { fileId: "../../etc" }, userId: owner.userId })).status).toBe(404);

    const me = await call("me", { method: "GET", path: "/me", userId: owner.userId, headers: { authorization: `Bearer ${owner.token}` } });
    // The limits come with the usage, so a client can refuse a file before asking for an upload.
    expect(me.body).toEqual({ userId: owner.userId, email: "ivy@example.com", usage: { files: 1, bytes: bytes.length, reservedBytes: 0, quotaBytes: 2500 }, limits: { maxFileBytes: 1000, quotaBytes: 2500 } });

    const patched = await call("update-file", { method: "PATCH", path: `/files/${fileId}`, pathParameters: { fileId }, userId: owner.userId, body: { fileName: "renamed.wav", description: "d", tags: ["a", "a", "b"] } });
    expect(patched.body).toMatchObject({ fileName: "renamed.wav", description: "d", tags: ["a", "b"] });
    const tooMany = await call("update-file", { method: "PATCH", path: `/files/${fileId}`, pathParameters: { fileId }, userId: owner.userId, body: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } });
    expect(tooMany.status).toBe(400);
    expect((await call("update-file", { method: "PATCH", path: `/files/${fileId}`, pathParameters: { fileId }, userId: owner.userId, body: {} })).status).toBe(400);

    expect((await call("delete-file", { method: "DELETE", path: `/files/${fileId}`, pathParameters: { fileId }, userId: owner.userId })).status).toBe(204);
    expect((await call("delete-file", { method: "DELETE", path: `/files/${fileId}`, pathParameters: { fileId }, userId: owner.userId })).status).toBe(204);
    expect(aws.events.filter((e) => e.fileId === fileId).map((e) => e.type)).toEqual(["media.ready", "media.deleted"]);
    // S3's answer to a URL whose signer (download-file) lacks s3:ListBucket: 403, never 404 (nothing tells
    // a holder of an old link whether the key still exists).
    const gone = await fetch(dl.headers.location as string);
    expect(gone.status).toBe(403);
    expect(await gone.text()).toContain("<Code>AccessDenied</Code>");
    const after = await call("me", { method: "GET", path: "/me", userId: owner.userId, headers: { authorization: `Bearer ${owner.token}` } });
    expect(after.body).toMatchObject({ usage: { files: 0, bytes: 0, quotaBytes: 2500 }, limits: { maxFileBytes: 1000, quotaBytes: 2500 } });
    expect(key).toBe(`users/${owner.userId}/${fileId}`);
  });

  it("rejects an object whose stored type differs from the declared one", async () => {
    const u = await newUser("kate@example.com");
    const presign = await call("upload", { method: "POST", path: "/upload", userId: u.userId, body: { fileName: "a.png", contentType: "image/png", size: 10 } });
    // Written by a party that holds bucket credentials, bypassing the policy: the indexer still checks.
    const { PutObjectCommand, HeadObjectCommand } = await import("@aws-sdk/client-s3");
    await aws.s3.send(new PutObjectCommand({ Bucket: TEST_ENV.bucket, Key: presign.body.key, Body: "0123456789", ContentType: "text/html" }));
    await indexPending();
    const record = s3EventRecord({ key: presign.body.key, size: 10 });
    await indexer(sqsEvent([sqsRecord({ Records: [record] })]));
    const got = await call("get-file", { method: "GET", path: "/files/x", pathParameters: { fileId: presign.body.fileId }, userId: u.userId });
    expect(got.body).toMatchObject({ status: "rejected", rejectionReason: expect.stringContaining("text/html") });
    await expect(aws.s3.send(new HeadObjectCommand({ Bucket: TEST_ENV.bucket, Key: presign.body.key }))).rejects.toMatchObject({ name: "NotFound" });
    expect(aws.events.filter((e) => e.fileId === presign.body.fileId).map((e) => e.type)).toEqual(["media.rejected"]);
  });

  it("reports only the failing messages of a batch", async () => {
    const u = await newUser("liam@example.com");
    const a = await uploadBytes(u.userId, pngFixture(4, 3), "image/png", "a.png");
    const b = await uploadBytes(u.userId, pngFixture(3, 4), "image/png", "b.png");
    const records = aws.s3Events.splice(0).map((r) => sqsRecord({ Records: [r] }));
    const repo = services().indexing.repo;
    const realGet = repo.get.bind(repo);
    const spy = vi.spyOn(repo, "get").mockImplementation(async (userId, fileId) => {
      if (fileId === b.fileId) throw new Error("transient failure");
      return realGet(userId, fileId);
    });
    const result = await indexer(sqsEvent(records));
    spy.mockRestore();
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.messageId }]);
    const list = await call("retrieve", { method: "GET", path: "/retrieve", userId: u.userId });
    expect(Object.fromEntries(list.body.files.map((f: { fileId: string; status: string }) => [f.fileId, f.status]))).toEqual({ [a.fileId]: "ready", [b.fileId]: "pending" });
    expect(await indexer(sqsEvent([records[1]!]))).toEqual({ batchItemFailures: [] });
  });

  it("pages with an opaque cursor bound to the user and filters", async () => {
    const u = await newUser("mia@example.com");
    for (let i = 0; i < 5; i++) await call("upload", { method: "POST", path: "/upload", userId: u.userId, body: { fileName: `f${i}.png`, contentType: "image/png", size: 1 } });
    const first = await call("retrieve", { method: "GET", path: "/retrieve", query: { limit: "2" }, userId: u.userId });
    expect(first.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(["f4.png", "f3.png"]);
    const second = await call("retrieve", { method: "GET", path: "/retrieve", query: { limit: "2", cursor: first.body.nextCursor }, userId: u.userId });
    expect(second.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(["f2.png", "f1.png"]);
    const other = await newUser("noah@example.com");
    expect((await call("retrieve", { method: "GET", path: "/retrieve", query: { cursor: first.body.nextCursor }, userId: other.userId })).body.error.code).toBe("InvalidCursor");
    expect((await call("retrieve", { method: "GET", path: "/retrieve", query: { cursor: first.body.nextCursor, type: "audio" }, userId: u.userId })).status).toBe(400);
    expect((await call("retrieve", { method: "GET", path: "/retrieve", query: { limit: "0" }, userId: u.userId })).status).toBe(400);
    expect((await call("retrieve", { method: "GET", path: "/retrieve", query: { limit: "101" }, userId: u.userId })).status).toBe(400);
    expect((await call("retrieve", { method: "GET", path: "/retrieve", query: { type: "video" }, userId: u.userId })).status).toBe(400);
    const q = await call("retrieve", { method: "GET", path: "/retrieve", query: { q: "F3" }, userId: u.userId });
    expect(q.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(["f3.png"]);
  });
});

describe("share links", () => {
  afterEach(() => clock.reset());
  const share = (userId: string, fileId: string, body?: unknown, headers?: Record<string, string>) =>
    call("share-file", { method: "POST", path: `/files/${fileId}/share`, routePath: "/files/{fileId}/share", pathParameters: { fileId }, userId, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  const shares = (userId: string, fileId: string) =>
    call("list-shares", { method: "GET", path: `/files/${fileId}/shares`, routePath: "/files/{fileId}/shares", pathParameters: { fileId }, userId });
  const revoke = (userId: string, fileId: string, shareId: string) =>
    call("revoke-share", { method: "DELETE", path: `/files/${fileId}/share/${shareId}`, routePath: "/files/{fileId}/share/{shareId}", pathParameters: { fileId, shareId }, userId });
  // Public: no authorizer context at all.
  const open = (url: string, query?: Record<string, string>) => {
    const token = new URL(url).pathname.split("/").at(-1)!;
    return call("open-share", { method: "GET", path: `/s/${token}`, routePath: "/s/{token}", pathParameters: { token }, ...(query ? { query } : {}) });
  };
  async function readyFile(userId: string, fileName: string) {
    const bytes = pngFixture(3, 2);
    const { fileId } = await uploadBytes(userId, bytes, "image/png", fileName);
    expect(await indexPending()).toEqual({ batchItemFailures: [] });
    return { fileId, bytes };
  }

  it("makes a link anyone can open: 302 to the bytes, inline or as a download; listed without its URL; revoked for good", async () => {
    const u = await newUser("pia@example.com");
    const { fileId, bytes } = await readyFile(u.userId, "beach day.png");
    const before = Date.now();
    const made = await share(u.userId, fileId, { expiresInSeconds: 3600 });
    expect(made).toMatchObject({ status: 201, body: { shareId: expect.stringMatching(/^[0-9A-Z]{26}$/), url: expect.stringMatching(/^https:\/\/api\.example\.com\/s\/[A-Za-z0-9_-]{22}$/) } });
    const expiresAt = Date.parse(made.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);

    const opened = await open(made.body.url);
    expect(opened.status).toBe(302);
    expect(opened.headers).toMatchObject({ "cache-control": "no-store", "referrer-policy": "no-referrer" });
    const inline = await fetch(opened.headers.location as string);
    expect(inline.status).toBe(200);
    expect(inline.headers.get("content-type")).toBe("image/png");
    expect(inline.headers.get("content-disposition")).toBe(`inline; filename="beach day.png"; filename*=UTF-8''beach%20day.png`);
    expect(Buffer.from(await inline.arrayBuffer())).toEqual(bytes);
    const download = await fetch((await open(made.body.url, { download: "1" })).headers.location as string);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="beach day.png"/);
    // The redirect is a short-lived presigned GET, not the link itself.
    expect(new URL(opened.headers.location as string).searchParams.get("X-Amz-Expires")).toBe("300");

    const second = await share(u.userId, fileId);
    const listed = await shares(u.userId, fileId);
    expect(listed).toEqual({
      status: 200,
      headers: expect.any(Object),
      body: { shares: [{ shareId: made.body.shareId, createdAt: expect.any(String), expiresAt: made.body.expiresAt }, { shareId: second.body.shareId, createdAt: expect.any(String), expiresAt: second.body.expiresAt }] },
    });
    expect(JSON.stringify(listed.body)).not.toContain(new URL(made.body.url).pathname.slice(3));

    expect((await revoke(u.userId, fileId, made.body.shareId)).status).toBe(204);
    expect((await revoke(u.userId, fileId, made.body.shareId)).status).toBe(204);
    expect(await open(made.body.url)).toMatchObject({ status: 404, body: { error: { code: "NotFound" } } });
    expect((await shares(u.userId, fileId)).body.shares.map((s: { shareId: string }) => s.shareId)).toEqual([second.body.shareId]);
    expect((await open(second.body.url)).status).toBe(302);
  });

  it("expires: a one-second link opens, then answers the same 404 as an unknown token", async () => {
    const u = await newUser("quinn@example.com");
    const { fileId } = await readyFile(u.userId, "q.png");
    // A busy machine can take longer than the link's one second between making and opening it; time
    // moves only when the test says.
    clock.freeze();
    const made = await share(u.userId, fileId, { expiresInSeconds: 1 });
    expect((await open(made.body.url)).status).toBe(302);
    clock.advance(1001);
    const expired = await open(made.body.url);
    const unknown = await open(`https://api.example.com/s/${"A".repeat(22)}`);
    const malformed = await open("https://api.example.com/s/not-a-token");
    expect(expired).toMatchObject({ status: 404, body: { error: { code: "NotFound" } } });
    for (const res of [unknown, malformed]) expect(res.body).toEqual(expired.body);
    expect((await shares(u.userId, fileId)).body).toEqual({ shares: [] });
  });

  it("a browser opening a link that does not open gets a page saying what happened; API clients keep the JSON", async () => {
    const u = await newUser("page@example.com");
    const { fileId } = await readyFile(u.userId, "p.png");
    const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    // The raw result: the page is not JSON, so not through `call`.
    const openRaw = async (token: string, accept?: string) =>
      (await h["open-share"]!(apiEvent({ method: "GET", path: `/s/${token}`, routePath: "/s/{token}", pathParameters: { token }, ...(accept ? { headers: { accept } } : {}) }), context("open-share"))) as {
        statusCode: number;
        headers?: Record<string, string>;
        body?: string;
      };
    const tokenOf = (url: string) => new URL(url).pathname.split("/").at(-1)!;
    const expiring = await share(u.userId, fileId, { expiresInSeconds: 1 });
    const revoked = await share(u.userId, fileId);
    await revoke(u.userId, fileId, revoked.body.shareId);
    // Its second over, by the injected clock rather than by waiting.
    clock.advance(1001);

    const expiredPage = await openRaw(tokenOf(expiring.body.url), browser);
    expect(expiredPage).toMatchObject({ statusCode: 404, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
    expect(expiredPage.headers!["content-security-policy"]).toMatch(/^default-src 'none'/);
    expect(expiredPage.body).toContain("This link has expired");
    const hostile = `<script>alert(1)</script>"'&`;
    for (const token of [tokenOf(revoked.body.url), "A".repeat(22), hostile]) {
      const page = await openRaw(token, browser);
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain("This link doesn't work");
      expect(page.body).not.toContain("<script");
      expect(page.body).not.toContain(token);
    }
    // curl, fetch and the SDKs send */* or nothing: the API's JSON, the same for every reason.
    for (const accept of [undefined, "*/*", "application/json"]) {
      for (const token of [tokenOf(expiring.body.url), tokenOf(revoked.body.url)]) {
        const res = await openRaw(token, accept);
        expect(res.statusCode).toBe(404);
        expect(res.headers!["content-type"]).toBe("application/json; charset=utf-8");
        expect(JSON.parse(res.body!)).toEqual({ error: { code: "NotFound", message: "This link does not exist, has expired or was revoked." } });
      }
    }
  });

  it("a deleted file's links stop working, and their items go with it", async () => {
    const u = await newUser("rosa@example.com");
    const { fileId } = await readyFile(u.userId, "r.png");
    const made = await share(u.userId, fileId);
    expect((await call("delete-file", { method: "DELETE", path: `/files/${fileId}`, pathParameters: { fileId }, userId: u.userId })).status).toBe(204);
    expect((await open(made.body.url)).status).toBe(404);
    const { hashShareToken } = await import("@media/core/sharing");
    expect(await services().sharing.shares.findByTokenHash(hashShareToken(new URL(made.body.url).pathname.split("/").at(-1)!))).toBeUndefined();
    expect((await shares(u.userId, fileId)).status).toBe(404);
  });

  it("another user's file is a 404 exactly like a missing one; bad lifetimes are 400; unready files 409; nothing written", async () => {
    const owner = await newUser("sam@example.com");
    const other = await newUser("tess@example.com");
    const { fileId } = await readyFile(owner.userId, "s.png");
    const made = await share(owner.userId, fileId);
    const missing = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    const notFound = await share(owner.userId, missing);
    expect(notFound).toMatchObject({ status: 404, body: { error: { code: "NotFound" } } });
    for (const res of [await share(other.userId, fileId), await shares(other.userId, fileId), await revoke(other.userId, fileId, made.body.shareId)]) {
      expect(res.body).toEqual(notFound.body);
    }
    expect((await open(made.body.url)).status).toBe(302);

    for (const expiresInSeconds of [0, -5, 1.5, 7 * 24 * 3600 + 1, "3600", null]) {
      const res = await share(owner.userId, fileId, { expiresInSeconds });
      expect(res, String(expiresInSeconds)).toMatchObject({ status: 400, body: { error: { code: "ValidationError", details: { fields: [{ field: "expiresInSeconds" }] } } } });
    }
    expect((await share(owner.userId, fileId, undefined, { "content-type": "text/plain" })).status).toBe(201);
    const longest = await share(owner.userId, fileId, { expiresInSeconds: 7 * 24 * 3600 });
    expect(longest.status).toBe(201);
    const pending = await call("upload", { method: "POST", path: "/upload", userId: owner.userId, body: { fileName: "p.png", contentType: "image/png", size: 10 } });
    expect(await share(owner.userId, pending.body.fileId)).toMatchObject({ status: 409, body: { error: { code: "FileNotReady" } } });
    expect((await shares(owner.userId, fileId)).body.shares).toHaveLength(3);
  });

  it("builds the link from the API's domain and the forwarded scheme (plain HTTP locally)", async () => {
    const u = await newUser("uma@example.com");
    const { fileId } = await readyFile(u.userId, "u.png");
    const made = await share(u.userId, fileId, {}, { "x-forwarded-proto": "http" });
    expect(made.body.url).toMatch(/^http:\/\/api\.example\.com\/s\//);
    const defaulted = await share(u.userId, fileId, {});
    expect(Date.parse(defaulted.body.expiresAt) - Date.now()).toBeGreaterThan(24 * 3600_000 - 60_000);
  });
});

describe("health", () => {
  it("answers 200", async () => {
    expect(await call("health", { method: "GET", path: "/health" })).toMatchObject({ status: 200, body: { status: "ok" } });
  });
});
