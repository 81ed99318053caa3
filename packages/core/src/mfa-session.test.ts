import { describe, expect, it } from "vitest";
import { openMfaSession, sealMfaSession } from "./mfa-session";
import { otpauthUri } from "./account-security";

describe("the MFA session handed to clients", () => {
  const state = { username: "3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b", email: "ann@example.com", session: "AYABeC0gn-cognito-session" };

  it("opens what it sealed, with the same secret only", () => {
    const sealed = sealMfaSession(state, "secret-1");
    expect(openMfaSession(sealed, "secret-1")).toEqual(state);
    expect(() => openMfaSession(sealed, "secret-2")).toThrow(expect.objectContaining({ status: 401, code: "MfaSessionExpired" }));
  });

  it("refuses any change: another account's name or email cannot be paired with a session", () => {
    const sealed = sealMfaSession(state, "secret-1");
    const [payload, signature] = sealed.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ u: state.username, e: "victim@example.com", s: state.session })).toString("base64url");
    for (const token of [`${forged}.${signature}`, `${payload}.${signature}x`, payload, `${sealed}.extra`, ""]) {
      expect(() => openMfaSession(token, "secret-1"), token).toThrow(expect.objectContaining({ code: "MfaSessionExpired" }));
    }
  });
});

describe("otpauthUri", () => {
  it("is the Key Uri Format authenticator apps read from a QR code", () => {
    const uri = new URL(otpauthUri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ann+photos@example.com"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Media storage:ann+photos@example.com");
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", issuer: "Media storage", algorithm: "SHA1", digits: "6", period: "30" });
  });
});
