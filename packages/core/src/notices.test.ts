import { describe, expect, it } from "vitest";
import { confirmEmailChange, type AccountSecurity, type EmailChangeDeps } from "./account-security";
import type { Accounts } from "./accounts";
import { CODE_LIMITS } from "./code-limits";
import { ValidationError } from "./errors";
import { EMAIL_CHANGED_SUBJECT, emailChangedNotice, type Mail } from "./notices";

const AT = Date.UTC(2026, 0, 2, 3, 4, 5);

/** A user pool of one account whose email moves with the right code; a mailer that records or fails. */
function deps(options: { mailFails?: boolean } = {}) {
  let email = "old@example.com";
  const sent: Mail[] = [];
  const security: Pick<AccountSecurity, "confirmEmailChange"> = {
    async confirmEmailChange(_token, code) {
      if (code !== "123456") throw new ValidationError("The code is not right.", { code: "InvalidCode" });
      email = "new@example.com";
    },
  };
  const d = {
    accounts: { profile: async () => ({ email }) } as unknown as Accounts,
    security: security as AccountSecurity,
    cutoffs: { endSessions: async () => undefined },
    clock: { now: () => AT },
    codeLimits: { limiter: { take: async () => ({ allowed: true as const }) }, clock: { now: () => AT }, limits: CODE_LIMITS },
    secret: "x".repeat(32),
    mailer: {
      async send(mail: Mail) {
        if (options.mailFails) throw new Error("SES is down");
        sent.push(mail);
      },
    },
  } as unknown as EmailChangeDeps;
  return { d, sent, email: () => email };
}
const input = (code: string) => ({ accessToken: "token", currentEmail: "old@example.com", clientIp: "203.0.113.9", code });

describe("the email-change notice", () => {
  it("goes to the old address once the change is made, naming the new one and the time", async () => {
    const { d, sent } = deps();
    await expect(confirmEmailChange(d, input("123456"))).resolves.toEqual({ email: "new@example.com", notice: { sent: true } });
    expect(sent).toEqual([emailChangedNotice({ oldEmail: "old@example.com", newEmail: "new@example.com", at: AT })]);
    expect(sent[0]).toMatchObject({ to: "old@example.com", subject: EMAIL_CHANGED_SUBJECT });
    expect(sent[0]!.text).toContain("from old@example.com to new@example.com at 2026-01-02T03:04:05.000Z");
  });

  it("is not sent when the code is wrong (nothing changed)", async () => {
    const { d, sent, email } = deps();
    await expect(confirmEmailChange(d, input("000000"))).rejects.toMatchObject({ code: "InvalidCode" });
    expect(sent).toEqual([]);
    expect(email()).toBe("old@example.com");
  });

  it("failing leaves the change made and says so, for the caller to log", async () => {
    const { d, email } = deps({ mailFails: true });
    const outcome = await confirmEmailChange(d, input("123456"));
    expect(outcome).toMatchObject({ email: "new@example.com", notice: { sent: false, error: expect.objectContaining({ message: "SES is down" }) } });
    expect(email()).toBe("new@example.com");
  });
});
