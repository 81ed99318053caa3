import { describe, expect, it } from "vitest";
import { ConflictError, InternalError, NotFoundError, toErrorResponse } from "./errors";
import { QuotaExceededError } from "./quota";

describe("error rendering", () => {
  it("renders client errors with their code, status and safe details", () => {
    expect(toErrorResponse(new NotFoundError())).toEqual({ status: 404, body: { error: { code: "NotFound", message: "Not found." } } });
    expect(toErrorResponse(new ConflictError("exists", { code: "UserExists" })).status).toBe(409);
    expect(toErrorResponse(new QuotaExceededError(10, 100))).toEqual({
      status: 413,
      body: { error: { code: "QuotaExceeded", message: expect.stringContaining("10 B is left"), details: { remainingBytes: 10, quotaBytes: 100 } } },
    });
  });

  it("never shows the message of an unexpected error", () => {
    const r = toErrorResponse(new Error("connect ECONNREFUSED 10.0.0.1 secret=abc"));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|secret/);
    expect(toErrorResponse(new InternalError("db exploded", { cause: new Error("x") })).body.error.message).not.toMatch(/exploded/);
  });
});
