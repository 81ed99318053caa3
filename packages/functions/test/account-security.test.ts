import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { APIGatewayProxyStructuredResultV2, Handler } from "aws-lambda";
import { EMAIL_CHANGED_SUBJECT } from "@media/core/notices";
import { authenticator, type Authenticator } from "@media/testing/authenticator";
import { apiEvent, authorizerEvent, context, sqsEvent, sqsRecord } from "@media/testing/lambda-events";
import { testClock } from "@media/testing/test-clock";
import { asFunction, startLocalAws, TEST_ENV, type LocalAws } from "@media/testing/local-aws";
import { pngFixture } from "@media/testing/minimal-media";

/**
 * The account's own controls through the handlers, as their functions (each under its role's policy),
 * against the local user pool, table, storage and topic: password change, sign-out everywhere, TOTP MFA
 * and its login step, export and self-service deletion, with each refusal changing nothing.
 */
let aws: LocalAws;
type ApiHandler = (e: ReturnType<typeof apiEvent>, c: ReturnType<typeof context>) => Promise<APIGatewayProxyStructuredResultV2>;
const h: Record<string, ApiHandler> = {};
let authorizer: Handler;
let indexer: typeof import("../src/indexer").handler;
const clock = testClock();
const ROUTES = ["change-email", "verify-email", "signup", "confirm", "login", "login-mfa", "refresh", "upload", "retrieve", "me", "share-file", "open-share", "change-password", "logout-everywhere", "delete-account", "export-account", "mfa-setup", "mfa-verify", "mfa-disable"];

beforeAll(async () => {
  aws = await startLocalAws({ maxFileBytes: 100_000, quotaBytes: 1_000_000 }, { clock: () => clock.now() });
  for (const name of ROUTES) h[name] = asFunction(`api/${name}`, ((await import(`../src/api/${name}.ts`)) as { handler: ApiHandler }).handler);
  authorizer = asFunction("authorizer", (await import("../src/authorizer")).handler as Handler);
  indexer = asFunction("indexer", (await import("../src/indexer")).handler);
  (await import("../src/services")).useClock(clock);
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
const newClientIp = () => `203.0.113.${++clients}`;

interface User {
  email: string;
  userId: string;
  token: string;
  refreshToken: string;
  sourceIp: string;
}

async function newUser(email: string): Promise<User> {
  const sourceIp = newClientIp();
  const signup = await call("signup", { method: "POST", path: "/signup", body: { email, password }, sourceIp });
  expect(signup.status).toBe(201);
  const code = aws.outbox.messages(email).at(-1)!.code;
  expect((await call("confirm", { method: "POST", path: "/confirm", body: { email, code }, sourceIp })).status).toBe(200);
  const login = await call("login", { method: "POST", path: "/login", body: { email, password }, sourceIp });
  expect(login.status).toBe(200);
  return { email, userId: signup.body.userId, token: login.body.token, refreshToken: login.body.refreshToken, sourceIp };
}

/** A request as the signed-in user: their token in the header, the authorizer's context on the event. */
function as(user: User, options: Parameters<typeof apiEvent>[0]): Parameters<typeof apiEvent>[0] {
  return { ...options, userId: user.userId, sourceIp: user.sourceIp, headers: { authorization: `Bearer ${user.token}`, ...options.headers } };
}

async function authorized(token: string): Promise<boolean> {
  const answer = (await authorizer(authorizerEvent(`Bearer ${token}`), context("authorizer"), () => undefined)) as { isAuthorized: boolean };
  return answer.isAuthorized;
}

/**
 * The account's authenticator app. The pool checks codes at the test's clock, which runs with real time:
 * each code is for a step after the last one used, and the clock is moved to its start, so a code stays
 * good however slow the machine; a wrong code is one no nearby step accepts.
 */
function authenticatorApp(secret: string): Authenticator {
  return authenticator(secret, { now: async () => clock.now(), advance: async (ms) => clock.advance(ms) });
}

async function uploadPng(user: User, fileName: string): Promise<string> {
  const bytes = await pngFixture(16, 16);
  const presign = await call("upload", as(user, { method: "POST", path: "/upload", body: { fileName, contentType: "image/png", size: bytes.length } }));
  expect(presign.status).toBe(201);
  const form = new FormData();
  for (const [k, v] of Object.entries(presign.body.upload.fields as Record<string, string>)) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(bytes)], { type: "image/png" }), fileName);
  expect((await fetch(presign.body.upload.url, { method: "POST", body: form })).status).toBeLessThan(300);
  const records = aws.s3Events.splice(0).map((r) => sqsRecord({ Records: [r] }));
  expect(await indexer(sqsEvent(records))).toEqual({ batchItemFailures: [] });
  return presign.body.fileId as string;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const out = await aws.s3.send(new ListObjectsV2Command({ Bucket: TEST_ENV.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

describe("password and sessions", () => {
  it("changes the password: a wrong current one is 403 and changes nothing; then every session ends", async () => {
    const user = await newUser("pat@example.com");
    const other = await call("login", { method: "POST", path: "/login", body: { email: user.email, password } });
    const wrong = await call("change-password", as(user, { method: "POST", path: "/me/password", body: { currentPassword: "Not-the-one-1", newPassword: "N3w-password!" } }));
    expect(wrong).toMatchObject({ status: 403, body: { error: { code: "WrongPassword" } } });
    expect(await authorized(user.token)).toBe(true);
    const weak = await call("change-password", as(user, { method: "POST", path: "/me/password", body: { currentPassword: password, newPassword: "weak" } }));
    expect(weak).toMatchObject({ status: 400, body: { error: { code: "WeakPassword" } } });
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).status).toBe(200);

    clock.advance(1000);
    const changed = await call("change-password", as(user, { method: "POST", path: "/me/password", body: { currentPassword: password, newPassword: "N3w-password!" } }));
    expect(changed.status).toBe(204);
    expect(await authorized(user.token)).toBe(false);
    expect(await authorized(other.body.token)).toBe(false);
    expect((await call("refresh", { method: "POST", path: "/refresh", body: { refreshToken: other.body.refreshToken } })).status).toBe(401);
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).status).toBe(401);
    clock.advance(1000);
    const again = await call("login", { method: "POST", path: "/login", body: { email: user.email, password: "N3w-password!" } });
    expect(again.status).toBe(200);
    expect(await authorized(again.body.token)).toBe(true);
  });

  it("signs out everywhere: every token refused, refresh tokens revoked; a new sign-in works", async () => {
    const user = await newUser("lou@example.com");
    clock.advance(1000);
    expect((await call("logout-everywhere", as(user, { method: "POST", path: "/me/logout-everywhere" }))).status).toBe(204);
    expect(await authorized(user.token)).toBe(false);
    expect((await call("refresh", { method: "POST", path: "/refresh", body: { refreshToken: user.refreshToken } })).status).toBe(401);
    clock.advance(1000);
    const login = await call("login", { method: "POST", path: "/login", body: { email: user.email, password } });
    expect(await authorized(login.body.token)).toBe(true);
  });
});

describe("email change", () => {
  it("mails a code to the new address; sign-in moves to it once verified, and the old address is told; a taken address or a wrong code changes nothing", async () => {
    const user = await newUser("first@example.com");
    await newUser("second@example.com");
    const taken = await call("change-email", as(user, { method: "POST", path: "/me/email", body: { email: "Second@example.com" } }));
    expect(taken).toMatchObject({ status: 409, body: { error: { code: "EmailTaken" } } });
    const bad = await call("change-email", as(user, { method: "POST", path: "/me/email", body: { email: "not-an-email" } }));
    expect(bad.status).toBe(400);

    const asked = await call("change-email", as(user, { method: "POST", path: "/me/email", body: { email: "moved@example.com" } }));
    expect(asked.status).toBe(202);
    const code = aws.outbox.messages("moved@example.com").at(-1)!.code;
    const wrong = await call("verify-email", as(user, { method: "POST", path: "/me/email/verify", body: { code: code === "000000" ? "111111" : "000000" } }));
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: "InvalidCode" } } });
    expect((await call("me", as(user, { method: "GET", path: "/me" }))).body.email).toBe("first@example.com");
    expect((await call("login", { method: "POST", path: "/login", body: { email: "first@example.com", password } })).status).toBe(200);
    const notices = () => aws.outbox.messages("first@example.com").filter((m) => m.subject === EMAIL_CHANGED_SUBJECT);
    expect(notices()).toEqual([]);

    const verified = await call("verify-email", as(user, { method: "POST", path: "/me/email/verify", body: { code } }));
    expect(verified).toMatchObject({ status: 200, body: { email: "moved@example.com" } });
    expect((await call("login", { method: "POST", path: "/login", body: { email: "moved@example.com", password } })).status).toBe(200);
    expect((await call("login", { method: "POST", path: "/login", body: { email: "first@example.com", password } })).status).toBe(401);
    // Through SES (the local one), into the outbox the codes land in: one notice, naming the new address.
    expect(notices()).toHaveLength(1);
    expect(notices()[0]!.code).toBeUndefined();
    expect(notices()[0]!.text).toContain("from first@example.com to moved@example.com");
    expect(aws.outbox.messages("moved@example.com").filter((m) => m.subject === EMAIL_CHANGED_SUBJECT)).toEqual([]);
  });
});

describe("TOTP MFA", () => {
  it("sets up with a QR URI, turns on with a code, then login asks for one; wrong, reused and expired are refused", async () => {
    const user = await newUser("mia@example.com");
    const setup = await call("mfa-setup", as(user, { method: "POST", path: "/me/mfa/totp" }));
    expect(setup).toMatchObject({ status: 200, body: { secret: expect.stringMatching(/^[A-Z2-7]{32}$/) } });
    const { secret, otpauthUri } = setup.body as { secret: string; otpauthUri: string };
    expect(new URL(otpauthUri).searchParams.get("secret")).toBe(secret);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Media%20storage%3Amia%40example\.com\?/);

    const app = authenticatorApp(secret);
    const wrong = await call("mfa-verify", as(user, { method: "POST", path: "/me/mfa/totp/verify", body: { code: await app.wrongCode() } }));
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: "InvalidCode" } } });
    // Nothing changed: login still answers tokens.
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).body.token).toEqual(expect.any(String));
    const malformed = await call("mfa-verify", as(user, { method: "POST", path: "/me/mfa/totp/verify", body: { code: "12ab56" } }));
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: "ValidationError" } } });

    const enabling = await app.nextCode();
    expect((await call("mfa-verify", as(user, { method: "POST", path: "/me/mfa/totp/verify", body: { code: enabling } }))).status).toBe(200);

    const challenged = await call("login", { method: "POST", path: "/login", body: { email: user.email, password } });
    expect(challenged).toMatchObject({ status: 200, body: { challenge: "SOFTWARE_TOKEN_MFA", session: expect.any(String) } });
    expect(challenged.body.token).toBeUndefined();
    const session = challenged.body.session as string;

    // The code just used to turn MFA on is refused as reused; a wrong one as wrong.
    const reused = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session, code: enabling } });
    expect(reused).toMatchObject({ status: 400, body: { error: { code: "CodeReused" } } });
    const bad = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session, code: await app.wrongCode() } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "InvalidCode" } } });
    const forged = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session: `${session}x`, code: "123456" } });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: "MfaSessionExpired" } } });

    const done = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session, code: await app.nextCode() } });
    expect(done).toMatchObject({ status: 200, body: { tokenType: "Bearer", refreshToken: expect.any(String) } });
    expect(await authorized(done.body.token)).toBe(true);

    // A session lives 3 minutes, as Cognito's.
    const late = await call("login", { method: "POST", path: "/login", body: { email: user.email, password } });
    clock.advance(3 * 60_000 + 1000);
    const expired = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session: late.body.session, code: await app.nextCode() } });
    expect(expired).toMatchObject({ status: 401, body: { error: { code: "MfaSessionExpired" } } });

    // Off takes a current code; then login answers tokens again.
    const signedIn = { ...user, token: done.body.token as string };
    expect((await call("mfa-disable", as(signedIn, { method: "DELETE", path: "/me/mfa", body: { code: await app.wrongCode() } }))).status).toBe(400);
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).body.challenge).toBe("SOFTWARE_TOKEN_MFA");
    expect((await call("mfa-disable", as(signedIn, { method: "DELETE", path: "/me/mfa", body: { code: await app.nextCode() } }))).status).toBe(204);
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).body.token).toEqual(expect.any(String));
  });

  it("counts wrong codes against the account's budget: once spent, even the right code is 429", async () => {
    const user = await newUser("ned@example.com");
    const { secret } = (await call("mfa-setup", as(user, { method: "POST", path: "/me/mfa/totp" }))).body as { secret: string };
    const app = authenticatorApp(secret);
    expect((await call("mfa-verify", as(user, { method: "POST", path: "/me/mfa/totp/verify", body: { code: await app.nextCode() } }))).status).toBe(200);
    // The budget is shared with the emailed codes: confirm used one check, enabling another.
    const session = (await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).body.session as string;
    const wrongCode = await app.wrongCode();
    const answers: number[] = [];
    for (let i = 0; i < 9; i++) {
      answers.push((await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session, code: wrongCode }, sourceIp: newClientIp() })).status);
    }
    // Cognito's own budget of wrong codes (5 an hour) is spent first; the right code then waits too.
    expect(answers).toEqual([400, 400, 400, 400, 400, 429, 429, 429, 429]);
    const right = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session, code: await app.nextCode() }, sourceIp: newClientIp() });
    expect(right.status).toBe(429);
    expect(Number(right.headers["retry-after"])).toBeGreaterThan(0);
  });
});

describe("export and deletion", () => {
  it("exports a manifest of every file with hour-long download URLs", async () => {
    const user = await newUser("eve@example.com");
    const fileId = await uploadPng(user, "holiday.png");
    const res = await call("export-account", as(user, { method: "GET", path: "/me/export" }));
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="media-export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.body).toMatchObject({ format: "media-storage-export/1", userId: user.userId, email: user.email, usage: { files: 1 } });
    expect(Date.parse(res.body.urlsExpireAt) - Date.parse(res.body.exportedAt)).toBe(3600_000);
    const [file] = res.body.files;
    expect(file).toMatchObject({ fileId, fileName: "holiday.png", status: "ready", metadata: { width: 16, height: 16 } });
    expect(new URL(file.downloadUrl).searchParams.get("X-Amz-Expires")).toBe("3600");
    const download = await fetch(file.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(await pngFixture(16, 16));
  });

  it("writes a manifest too large to answer inline beside the user's derived files, with the function's own grants, and links to it", async () => {
    const user = await newUser("big@example.com");
    const fileId = await uploadPng(user, "one of many.png");
    const { exportAccount } = await import("@media/core/account-export");
    const { accountExportServices } = await import("../src/roots/account-export");
    // The limit lowered instead of thousands of uploads (core/account-export.test.ts builds a big account in memory).
    const answer = await asFunction("api/export-account", () => exportAccount({ ...accountExportServices().exports, inlineMaxBytes: 0 }, { userId: user.userId, email: user.email }))();
    expect(answer).toMatchObject({ userId: user.userId, fileCount: 1, manifestUrl: expect.stringContaining(`derived/${user.userId}/export.json`) });
    expect(answer).not.toHaveProperty("files");
    const fetched = await fetch((answer as { manifestUrl: string }).manifestUrl);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("content-disposition")).toMatch(/^attachment; filename="media-export-\d{4}-\d{2}-\d{2}\.json"/);
    const manifest = (await fetched.json()) as { files: Array<{ fileId: string; downloadUrl: string }> };
    expect(manifest.files.map((f) => f.fileId)).toEqual([fileId]);
    expect((await fetch(manifest.files[0]!.downloadUrl)).status).toBe(200);
    // Outside the prefix that notifies the indexer: writing it queued nothing.
    expect(aws.s3Events).toEqual([]);
  });

  it("deletes the account and everything in it, leaves other users alone, announces it, and a repeat finishes the job", async () => {
    const keep = await newUser("kim@example.com");
    const keptFile = await uploadPng(keep, "kept.png");
    const user = await newUser("del@example.com");
    const fileId = await uploadPng(user, "gone.png");
    const share = await call("share-file", as(user, { method: "POST", path: `/files/${fileId}/share`, routePath: "/files/{fileId}/share", pathParameters: { fileId }, body: {} }));
    expect(share.status).toBe(201);
    expect(await keysUnder(`users/${user.userId}/`)).toHaveLength(1);

    const wrong = await call("delete-account", as(user, { method: "DELETE", path: "/me", body: { password: "Not-the-one-1" } }));
    expect(wrong).toMatchObject({ status: 403, body: { error: { code: "WrongPassword" } } });
    expect(await keysUnder(`users/${user.userId}/`)).toHaveLength(1);
    expect(await authorized(user.token)).toBe(true);

    aws.events.length = 0;
    clock.advance(1000);
    expect((await call("delete-account", as(user, { method: "DELETE", path: "/me", body: { password } }))).status).toBe(204);
    expect(await keysUnder(`users/${user.userId}/`)).toEqual([]);
    expect(await keysUnder(`derived/${user.userId}/`)).toEqual([]);
    expect(await authorized(user.token)).toBe(false);
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).status).toBe(401);
    const token = new URL(share.body.url).pathname.split("/").at(-1)!;
    expect((await call("open-share", { method: "GET", path: `/s/${token}`, routePath: "/s/{token}", pathParameters: { token } })).status).toBe(404);
    expect(aws.events).toContainEqual({ type: "account.deleted", userId: user.userId, at: expect.any(String) });

    const { services } = await import("../src/services");
    const left = await services().maintenance.countUserRecords(user.userId);
    expect(left).toEqual({ records: 0, usage: false });
    // The other user is untouched.
    expect(await keysUnder(`users/${keep.userId}/`)).toEqual([`users/${keep.userId}/${keptFile}`]);
    expect((await call("retrieve", as(keep, { method: "GET", path: "/retrieve" }))).body.files).toHaveLength(1);
    expect(await authorized(keep.token)).toBe(true);
  });

  it("an interrupted deletion is finished by signing in again and repeating it; MFA accounts give a code", async () => {
    const user = await newUser("ivy@example.com");
    await uploadPng(user, "one.png");
    const { secret } = (await call("mfa-setup", as(user, { method: "POST", path: "/me/mfa/totp" }))).body as { secret: string };
    const app = authenticatorApp(secret);
    expect((await call("mfa-verify", as(user, { method: "POST", path: "/me/mfa/totp/verify", body: { code: await app.nextCode() } }))).status).toBe(200);
    const noCode = await call("delete-account", as(user, { method: "DELETE", path: "/me", body: { password } }));
    expect(noCode).toMatchObject({ status: 400, body: { error: { code: "MfaCodeRequired" } } });

    // Interrupted after the data went, before the account did: the publish fails once.
    const { services } = await import("../src/services");
    const deletion = services().deletion;
    const publish = deletion.events.publishAccountEvent;
    deletion.events.publishAccountEvent = async () => {
      throw new Error("SNS unreachable");
    };
    const code = await app.nextCode();
    clock.advance(1000);
    const failed = await call("delete-account", as(user, { method: "DELETE", path: "/me", body: { password, code } }));
    deletion.events.publishAccountEvent = publish;
    expect(failed.status).toBe(500);
    expect(await keysUnder(`users/${user.userId}/`)).toEqual([]);
    expect(await authorized(user.token)).toBe(false);

    // The account is still there: sign in again (with MFA) and repeat.
    clock.advance(1000);
    const session = (await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).body.session as string;
    const login = await call("login-mfa", { method: "POST", path: "/login/mfa", body: { session, code: await app.nextCode() } });
    expect(login.status).toBe(200);
    const again = await call("delete-account", as({ ...user, token: login.body.token }, { method: "DELETE", path: "/me", body: { password, code: await app.nextCode() } }));
    expect(again.status).toBe(204);
    expect((await call("login", { method: "POST", path: "/login", body: { email: user.email, password } })).status).toBe(401);
  });
});
