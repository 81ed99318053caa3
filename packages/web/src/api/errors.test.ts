import { describe, expect, it } from "vitest";
import { isErrorCode } from "@media/core/error-codes";
import { AbortedError, AppError, describeError, errorFromResponse, errorFromThrown } from "./errors";

const json = (body: unknown) => JSON.stringify(body);

describe("errorFromResponse: every dialect a failure comes in", () => {
  it("reads our API's {error: {code, message}} and keeps its words", () => {
    const e = errorFromResponse(409, "application/json; charset=utf-8", json({ error: { code: "UserExists", message: "An account with this email or username already exists." } }));
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ source: "api", code: "UserExists", status: 409, message: "An account with this email or username already exists." });
    expect(e.isAuth).toBe(false);
  });

  it("lists the fields a validation error names", () => {
    const e = errorFromResponse(400, "application/json", json({ error: { code: "ValidationError", message: "email: Invalid email", details: { fields: [{ field: "email", problem: "Invalid email" }, { field: "password", problem: "Required" }] } } }));
    expect(describeError(e)).toEqual({ message: "email: Invalid email", code: "ValidationError", hints: ["email: Invalid email", "password: Required"] });
    expect(e.isRefusal).toBe(true);
  });

  it("says sizes in words where the API speaks in bytes", () => {
    const tooLarge = errorFromResponse(413, "application/json", json({ error: { code: "FileTooLarge", message: "Files may be at most 104857600 bytes.", details: { maxFileBytes: 104857600 } } }));
    expect(tooLarge.message).toBe("This file is too large: files can be at most 100 MiB.");
    expect(tooLarge.original).toBe("Files may be at most 104857600 bytes.");
    const quota = errorFromResponse(413, "application/json", json({ error: { code: "QuotaExceeded", message: "…; 0 bytes are left.", details: { remainingBytes: 0, quotaBytes: 5368709120 } } }));
    expect(quota.message).toBe("Not enough space: 0 B left of your 5 GiB. Delete some files to make room.");
  });

  it("adds what is accepted to an unsupported type", () => {
    const e = errorFromResponse(415, "application/json", json({ error: { code: "UnsupportedMediaType", message: "image/svg+xml is not accepted. Upload an image or audio file." } }));
    expect(e.message).toMatch(/^image\/svg\+xml is not accepted\. .*Accepted: JPEG, PNG/);
  });

  it("never shows a 5xx's own text", () => {
    const e = errorFromResponse(500, "application/json", json({ error: { code: "InternalError", message: "Something went wrong on our side." } }));
    expect(e.message).toBe("Something went wrong on our side. Try again in a moment.");
  });

  it("reads API Gateway's own {message} answers: 401, 403 (session problems), 404, 413, 429, 500", () => {
    const unauthorized = errorFromResponse(401, "application/json", json({ message: "Unauthorized" }));
    expect(unauthorized).toMatchObject({ source: "gateway", code: "Unauthorized", message: "Your session has ended. Sign in again.", original: "Unauthorized" });
    expect(unauthorized.isAuth).toBe(true);
    const forbidden = errorFromResponse(403, "application/json", json({ message: "Forbidden" }));
    expect(forbidden).toMatchObject({ source: "gateway", code: "Forbidden", message: "Your session is no longer valid. Sign in again." });
    expect(forbidden.isAuth).toBe(true);
    expect(errorFromResponse(404, "application/json", json({ message: "Not Found" }))).toMatchObject({ code: "NotFound", message: "Not found: it may have been deleted." });
    expect(errorFromResponse(413, "application/json", json({ message: "Request Entity Too Large" }))).toMatchObject({ code: "PayloadTooLarge", message: "That is too large to send." });
    expect(errorFromResponse(429, "application/json", json({ message: "Too Many Requests" }))).toMatchObject({ code: "TooManyRequests" });
    expect(errorFromResponse(500, "application/json", json({ message: "Internal Server Error" }))).toMatchObject({ code: "InternalError", message: "The server had a problem (500). Try again in a moment." });
  });

  it("does not take our own 403s (UserNotConfirmed) for a session problem", () => {
    const e = errorFromResponse(403, "application/json", json({ error: { code: "UserNotConfirmed", message: "Confirm your email address with the code we sent before logging in." } }));
    expect(e.isAuth).toBe(false);
    expect(e.message).toMatch(/Confirm your email/);
  });

  it("reads storage's S3 XML errors for Code and Message", () => {
    const denied = errorFromResponse(403, "application/xml", `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message><RequestId>1</RequestId></Error>`, "storage");
    expect(denied).toMatchObject({ source: "storage", code: "AccessDenied", status: 403, original: "Invalid according to Policy: Policy expired." });
    expect(denied.message).toMatch(/permission expired or did not match/);
    expect(denied.isAuth).toBe(false); // a storage 403 is not a session problem
    const unknown = errorFromResponse(400, "application/xml", "<Error><Code>InvalidArgument</Code><Message>POST requires exactly one file upload per request &amp; &lt;more&gt;</Message></Error>", "storage");
    expect(unknown).toMatchObject({ code: "InvalidArgument", message: "Storage refused the request: POST requires exactly one file upload per request & <more>" });
  });

  it("falls back on the status when the body says nothing readable (empty, HTML from a proxy)", () => {
    expect(errorFromResponse(502, null, "")).toMatchObject({ code: "InternalError", message: "The server had a problem (502). Try again in a moment." });
    expect(errorFromResponse(503, "text/html", "<html><body>Bad gateway</body></html>", "storage")).toMatchObject({ source: "storage", code: "StorageError", message: "The storage service had a problem (503). Try again in a moment." });
    expect(errorFromResponse(418, "text/plain", "I'm a teapot")).toMatchObject({ code: "ValidationError", message: "Unexpected answer (418)." });
  });

  it("types what the API and the gateway refused by the shared list of error codes", () => {
    const answers = [
      errorFromResponse(409, "application/json", json({ error: { code: "UserExists", message: "exists" } })),
      errorFromResponse(401, "application/json", json({ message: "Unauthorized" })),
      errorFromResponse(502, null, ""),
      errorFromResponse(418, "text/plain", "I'm a teapot"),
    ];
    for (const e of answers) expect(isErrorCode(e.code), e.code).toBe(true);
    // A code the API does not have (an API newer than the app) is not passed off as one of ours.
    expect(errorFromResponse(400, "application/json", json({ error: { code: "SomethingNew", message: "new" } }))).toMatchObject({ source: "gateway", code: "ValidationError" });
  });
});

describe("errorFromThrown: when nobody answered", () => {
  it("calls a failed fetch a network problem, for the server or for storage", () => {
    expect(errorFromThrown(new TypeError("Failed to fetch"))).toMatchObject({ source: "network", code: "NetworkError", message: "Can't reach the server. Check your connection and try again." });
    expect(errorFromThrown(new TypeError("x"), "storage")).toMatchObject({ message: "The upload could not reach storage. Check your connection and try again." });
  });

  it("keeps aborts apart (a cancel is not an error to show)", () => {
    expect(errorFromThrown(new DOMException("aborted", "AbortError"))).toBeInstanceOf(AbortedError);
    expect(describeError(new AbortedError())).toEqual({ message: "Cancelled.", hints: [] });
  });

  it("names timeouts", () => {
    expect(errorFromThrown(new DOMException("t", "TimeoutError"))).toMatchObject({ code: "Timeout" });
  });

  it("has words even for a bug in the app", () => {
    expect(describeError(new RangeError("boom"))).toEqual({ message: "Something went wrong in the app. Reload the page and try again.", hints: [] });
  });
});
