import { describe, expect, it } from "vitest";
import { DeleteAccountInput } from "./account-deletion";
import { LoginMfaInput, TotpCodeInput } from "./account-security";
import { isUsername, LoginInput, SignUpInput } from "./accounts";

/** The issues as the HTTP wrapper lists them (functions/src/http.ts validate). */
function problems(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } } }, value: unknown) {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error!.issues.map((i) => [i.path.map(String).join("."), i.message]);
}

describe("the account routes' schemas on zod 4 mini", () => {
  it("word their problems as zod 3 did, which clients show beside each field", () => {
    expect(problems(SignUpInput, undefined)).toEqual([["", "Required"]]);
    expect(problems(SignUpInput, [])).toEqual([["", "Expected object, received array"]]);
    expect(problems(SignUpInput, {})).toEqual([["email", "Required"], ["password", "Required"]]);
    expect(problems(SignUpInput, { email: "nope", password: "", username: "a@b" })).toEqual([
      ["email", "Invalid email"],
      ["password", "String must contain at least 1 character(s)"],
      ["username", "may hold letters, digits, dot, dash and underscore"],
    ]);
    expect(problems(SignUpInput, { email: "a@b.co", password: "x".repeat(257) })).toEqual([["password", "String must contain at most 256 character(s)"]]);
    expect(problems(LoginInput, { password: "p" })).toEqual([["email", "Give an email or a username."]]);
  });

  it("give a value of the wrong type one problem, not a second one for its length", () => {
    expect(problems(SignUpInput, { email: "a@b.co", password: [] })).toEqual([["password", "Expected string, received array"]]);
    expect(problems(LoginMfaInput, { session: 5, code: "123456" })).toEqual([["session", "Expected string, received number"]]);
  });

  it("trim and lower-case the email, and forgive spaces inside a TOTP code", () => {
    expect(SignUpInput.parse({ email: " A@B.CO ", password: "p", username: " bob " })).toEqual({ email: "a@b.co", password: "p", username: "bob" });
    expect(TotpCodeInput.parse({ code: " 123 456 " })).toEqual({ code: "123456" });
    expect(problems(TotpCodeInput, { code: "12345" })).toEqual([["code", "must be the 6-digit code from the authenticator app"]]);
    expect(DeleteAccountInput.parse({ password: "p" })).toEqual({ password: "p" });
    expect([isUsername("é_1.x-y"), isUsername("a b"), isUsername("")]).toEqual([true, false, false]);
  });
});
