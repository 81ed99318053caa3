import { afterEach, describe, expect, it, vi } from "vitest";
import { captureStdio } from "@media/testing/captured-stdio";
import { addToLogScope, log, redact, useLogOutput, withLogScope, type LogEntry } from "./log";

/** What the Powertools Logger actually writes to stdout/stderr, captured at the stream. */
const output = captureStdio();
afterEach(() => useLogOutput(undefined));

const lines = () => output.jsonLines();

// Secrets of every kind the service handles, each distinctive enough to be found in any output.
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4iLCJ0b2tlbl91c2UiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLW9mLWFubnMtdG9rZW4";
const PASSWORD = "Ann-secret-pass-9!";
const CODE = "482913";
const SIGNATURE = "5f1e9c0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190807061";
const CREDENTIAL = "AKIAEXAMPLEKEY%2F20261130%2Fus-east-1%2Fs3%2Faws4_request";
const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
const PRESIGNED_URL =
  `https://media.s3.us-east-1.amazonaws.com/users/u1/01J?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${CREDENTIAL}` +
  `&X-Amz-Date=20261130T053000Z&X-Amz-Expires=300&X-Amz-Security-Token=${SESSION_TOKEN}&X-Amz-Signature=${SIGNATURE}&X-Amz-SignedHeaders=host`;
const BASIC = "dXNlcjpodW50ZXIy";
const SECRETS = [JWT, PASSWORD, CODE, SIGNATURE, CREDENTIAL, SESSION_TOKEN, BASIC, "c2lnbmF0dXJlLW9mLWFubnMtdG9rZW4"];

describe("log", () => {
  it("never writes a token, password, code or URL signature, wherever it is passed", () => {
    withLogScope({ requestId: "req-1", sub: "user-1" }, () => {
      // As fields under telling names.
      log.info("sign-up", { email: "ann@example.com", password: PASSWORD, code: CODE, refreshToken: JWT, accessToken: JWT });
      // Inside an API Gateway event's headers, and a presigned POST's form fields.
      log.info("event", {
        headers: { Authorization: `Bearer ${JWT}`, "x-other": `Basic ${BASIC}` },
        upload: { url: PRESIGNED_URL, fields: { key: "users/u1/01J", Policy: "eyJleHBpcmF0aW9uIjoiMjAyNiJ9", "X-Amz-Credential": CREDENTIAL, "X-Amz-Signature": SIGNATURE } },
      });
      // In free text: a message, an error and its cause, an array, a body that was logged as a string.
      log.warn(`fetched ${PRESIGNED_URL} with Bearer ${JWT}`);
      log.error("confirm failed", {
        error: new Error(`refused ${PRESIGNED_URL}`, { cause: new Error(`body {"email":"a@b.c","password":"${PASSWORD}","code":"${CODE}"}`) }),
        tried: [`token ${JWT}`, `code=${CODE}&email=a`],
      });
    });
    const out = output.text();
    expect(lines().length).toBe(4);
    for (const secret of SECRETS) expect(out, secret).not.toContain(secret);
    // What is not secret stays readable.
    const [signUp, event, fetched, failed] = lines();
    expect(signUp).toMatchObject({ level: "INFO", message: "sign-up", email: "ann@example.com", password: "[redacted]", code: "[redacted]", requestId: "req-1", sub: "user-1" });
    expect((event!.upload as { url: string }).url).toContain("X-Amz-Algorithm=AWS4-HMAC-SHA256");
    expect((event!.upload as { fields: Record<string, string> }).fields.key).toBe("users/u1/01J");
    expect(fetched).toMatchObject({ level: "WARN" });
    expect(failed).toMatchObject({ level: "ERROR", error: { name: "Error", cause: { name: "Error" } } });
    expect(JSON.stringify(failed)).toContain('\\"email\\":\\"a@b.c\\"');
  });

  it("redacts the names Cognito's API gives passwords and codes, and passwords holding a quote", () => {
    const quoted = 'Ann-"quoted"-pass-7';
    log.info("cognito", { confirmationCode: CODE, ProposedPassword: PASSWORD, errorCode: "CodeMismatchException" });
    log.error("cognito call failed", {
      error: new Error(`body {"ClientId":"c1","Username":"ann","ConfirmationCode":"${CODE}","Password":"${PASSWORD}","PreviousPassword":"${PASSWORD}","ProposedPassword":"${PASSWORD}"}`),
    });
    log.warn(`body {"password":${JSON.stringify(quoted)}}`);
    const out = output.text();
    for (const secret of [CODE, PASSWORD, "quoted", "pass-7"]) expect(out, secret).not.toContain(secret);
    // Not secret: stays readable.
    expect(lines()[0]).toMatchObject({ errorCode: "CodeMismatchException" });
    expect(out).toContain('\\"Username\\":\\"ann\\"');
  });

  it("writes JSON lines in Powertools' layout, warnings and errors to stderr", () => {
    log.info("one", { n: 1 });
    log.error("two");
    const [one, two] = lines();
    expect(one).toMatchObject({ level: "INFO", message: "one", service: "media-storage", n: 1 });
    expect(new Date(one!.timestamp as string).toISOString()).toBe(one!.timestamp);
    expect(two).toMatchObject({ level: "ERROR", message: "two" });
    const calls = vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0]));
    expect(calls.some((c) => c.includes('"message":"two"'))).toBe(true);
    expect(calls.some((c) => c.includes('"message":"one"'))).toBe(false);
  });

  it("keeps each invocation's fields to its own lines when invocations overlap", async () => {
    // A turn of the event loop, so that the two invocations interleave.
    const tick = () => new Promise((r) => setImmediate(r));
    const invocation = (requestId: string, fileId: string) =>
      withLogScope({ requestId }, async () => {
        await tick();
        addToLogScope({ fileId });
        await tick();
        log.info("done");
      });
    await Promise.all([invocation("req-a", "file-a"), invocation("req-b", "file-b")]);
    log.info("outside");
    const byRequest = Object.fromEntries(lines().map((l) => [String(l.requestId), l]));
    expect(byRequest["req-a"]).toMatchObject({ fileId: "file-a" });
    expect(byRequest["req-b"]).toMatchObject({ fileId: "file-b" });
    expect(byRequest.undefined).toMatchObject({ message: "outside" });
    expect(byRequest.undefined).not.toHaveProperty("fileId");
  });

  it("hands an installed output the entry already redacted, and writes nothing itself", () => {
    const entries: LogEntry[] = [];
    useLogOutput((e) => entries.push(e));
    log.info(`token ${JWT}`, { password: PASSWORD });
    expect(output.text()).toBe("");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: "INFO", message: "token [jwt]", password: "[redacted]" });
  });

  it("cuts secrets out of nested values but leaves other values as they are", () => {
    expect(redact({ a: 1, b: [true, null], c: { password: "x", d: "plain" } })).toEqual({ a: 1, b: [true, null], c: { password: "[redacted]", d: "plain" } });
  });
});
