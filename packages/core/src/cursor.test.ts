import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";

const secret = "test-secret";
const ctx = { userId: "u1", scope: "[]" };

describe("cursors", () => {
  it("round-trips a position for the same user and filters", () => {
    const c = encodeCursor({ after: "01J0000000000000000000000A" }, ctx, secret, 1000);
    expect(decodeCursor(c, ctx, secret, 2000)).toEqual({ after: "01J0000000000000000000000A" });
  });

  it("refuses another user's, another filter's, a tampered, a foreign-secret and an expired cursor", () => {
    const c = encodeCursor({ after: "A" }, ctx, secret, 1000);
    expect(() => decodeCursor(c, { ...ctx, userId: "u2" }, secret, 2000)).toThrow(/not valid/);
    expect(() => decodeCursor(c, { ...ctx, scope: '["image"]' }, secret, 2000)).toThrow(/not valid/);
    const [payload, sig] = c.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ a: "B", t: 1000 })).toString("base64url");
    expect(() => decodeCursor(`${forged}.${sig}`, ctx, secret, 2000)).toThrow(/not valid/);
    expect(() => decodeCursor(`${payload}.${sig}x`, ctx, secret, 2000)).toThrow(/not valid/);
    expect(() => decodeCursor(c, ctx, "other", 2000)).toThrow(/not valid/);
    expect(() => decodeCursor("garbage", ctx, secret, 2000)).toThrow(/not valid/);
    expect(() => decodeCursor(c, ctx, secret, 1000 + 25 * 3600_000)).toThrow(/expired/);
  });
});
