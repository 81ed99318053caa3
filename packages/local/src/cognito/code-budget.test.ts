import {
  AdminUserGlobalSignOutCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_EMAILS, CODE_FAILURES } from "./code-budget";
import { TEST_CLIENT_ID, TEST_POOL_ID, startTestPool, type TestPool } from "@media/testing/local-cognito-pool";

/**
 * What keeps emailed codes from being walked or used to flood an inbox (issue 14): the budget of wrong
 * codes and the cap on code emails belong to the account, across every code it is sent, and survive a
 * restart. And AdminUserGlobalSignOut, which the API calls after a password reset.
 */
const PASSWORD = "Correct-Horse-9";
const HOUR = 3600_000;
let n = 0;
const newEmail = () => `limits${++n}.${Date.now()}@example.com`;

let pool: TestPool;
beforeAll(async () => {
  pool = await startTestPool();
});
afterAll(async () => {
  await pool.stop();
});

const signUp = (email: string) => pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD }));
const resend = (email: string) => pool.client.send(new ResendConfirmationCodeCommand({ ClientId: TEST_CLIENT_ID, Username: email }));
const confirm = (email: string, code: string) => pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: code }));
const forgot = (email: string) => pool.client.send(new ForgotPasswordCommand({ ClientId: TEST_CLIENT_ID, Username: email }));
const reset = (email: string, code: string, password = "New-Password-2") =>
  pool.client.send(new ConfirmForgotPasswordCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: code, Password: password }));
const login = (email: string, password = PASSWORD) =>
  pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }));
const wrongFor = (code: string) => (code === "000000" ? "111111" : "000000");

async function confirmedUser() {
  const email = newEmail();
  const { UserSub } = await signUp(email);
  await confirm(email, pool.lastCode(email));
  return { email, sub: UserSub! };
}

const limited = { name: "LimitExceededException", message: "Attempt limit exceeded, please try after some time." };

describe("the account's budget of wrong codes", () => {
  it("is not restored by asking for a new reset code, so codes cannot be walked five guesses at a time", async () => {
    const { email } = await confirmedUser();
    await forgot(email);
    for (let i = 0; i < CODE_FAILURES.limit; i++) await expect(reset(email, wrongFor(pool.lastCode(email)))).rejects.toMatchObject({ name: "CodeMismatchException" });
    await forgot(email);
    const fresh = pool.lastCode(email);
    await expect(reset(email, fresh)).rejects.toMatchObject(limited);
    await expect(reset(email, wrongFor(fresh))).rejects.toMatchObject(limited);
    // An hour on, the failures have left the window (and the reset code has expired: ask again).
    pool.clock.advance(HOUR);
    await forgot(email);
    await reset(email, pool.lastCode(email));
    await login(email, "New-Password-2");
  });

  it("is kept across a restart of the pool", async () => {
    const { email } = await confirmedUser();
    await forgot(email);
    const code = pool.lastCode(email);
    for (let i = 0; i < CODE_FAILURES.limit; i++) await expect(reset(email, wrongFor(code))).rejects.toMatchObject({ name: "CodeMismatchException" });
    await pool.restart();
    await expect(reset(email, code)).rejects.toMatchObject(limited);
  });

  it("slides: each failure counts for an hour, and a right code clears them", async () => {
    const email = newEmail();
    await signUp(email);
    const code = pool.lastCode(email);
    for (let i = 0; i < CODE_FAILURES.limit - 1; i++) await expect(confirm(email, wrongFor(code))).rejects.toMatchObject({ name: "CodeMismatchException" });
    pool.clock.advance(HOUR / 2);
    await expect(confirm(email, wrongFor(code))).rejects.toMatchObject({ name: "CodeMismatchException" });
    await expect(confirm(email, code)).rejects.toMatchObject(limited);
    // The first four are an hour old; the fifth is not.
    pool.clock.advance(HOUR / 2);
    await confirm(email, code);
  });
});

describe("the account's cap on code emails", () => {
  it("refuses a sixth code email within the hour, for sign-up confirmations and resets alike, and sends nothing", async () => {
    const email = newEmail();
    await signUp(email);
    for (let i = 1; i < CODE_EMAILS.limit; i++) await resend(email);
    expect(pool.cognito.outbox.messages(email)).toHaveLength(CODE_EMAILS.limit);
    await expect(resend(email)).rejects.toMatchObject(limited);
    expect(pool.cognito.outbox.messages(email)).toHaveLength(CODE_EMAILS.limit);
    pool.clock.advance(HOUR);
    await resend(email);
    await confirm(email, pool.lastCode(email));

    for (let i = 0; i < CODE_EMAILS.limit - 1; i++) await forgot(email);
    await expect(forgot(email)).rejects.toMatchObject(limited);
    expect(pool.cognito.outbox.messages(email)).toHaveLength(2 * CODE_EMAILS.limit);
  });

  it("still answers an unknown email as if a code were sent, however often", async () => {
    const ghost = newEmail();
    for (let i = 0; i <= CODE_EMAILS.limit; i++) await forgot(ghost);
    expect(pool.cognito.outbox.messages(ghost)).toEqual([]);
  });
});

describe("AdminUserGlobalSignOut", () => {
  it("revokes every refresh token of the user and their access tokens for the pool's API", async () => {
    const { email, sub } = await confirmedUser();
    const first = (await login(email)).AuthenticationResult!;
    const second = (await login(email)).AuthenticationResult!;
    await pool.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: TEST_POOL_ID, Username: email }));
    for (const tokens of [first, second]) {
      await expect(
        pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })),
      ).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has been revoked" });
      await expect(pool.client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).rejects.toMatchObject({ name: "NotAuthorizedException" });
    }
    const again = (await login(email)).AuthenticationResult!;
    expect((await pool.client.send(new GetUserCommand({ AccessToken: again.AccessToken! }))).Username).toBe(sub);
    await expect(pool.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: TEST_POOL_ID, Username: newEmail() }))).rejects.toMatchObject({
      name: "UserNotFoundException",
    });
  });
});
