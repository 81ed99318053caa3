import {
  InternalErrorException,
  SignUpCommand,
  LimitExceededException,
  TooManyFailedAttemptsException,
  TooManyRequestsException,
} from "@aws-sdk/client-cognito-identity-provider";
import type { Accounts } from "@media/core/accounts";
import { AppError, InternalError, toErrorResponse } from "@media/core/errors";
// The embedded local pool speaks Cognito's API: the adapter is tested against it, not against a mock.
import { TEST_CLIENT_ID, TEST_POOL_ID, sdkClient, startTestPool, type TestPool } from "@media/testing/local-cognito-pool";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCognitoAccounts, usernameFilter } from "./cognito-accounts";
import { PASSWORD_POLICY_MESSAGE, toAppError } from "./cognito-app-errors";

const PASSWORD = "Correct-Horse-9";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let n = 0;
const newEmail = () => `adapter${++n}.${Date.now()}@example.com`;

/** What a call threw, so its class, status, code and message can be compared. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the call to fail");
}

const wrongCode = (code: string) => (code === "000000" ? "111111" : "000000");

describe("createCognitoAccounts against the local Cognito pool", () => {
  let pool: TestPool;
  let accounts: Accounts;

  beforeAll(async () => {
    // As the Auth stack's pool on AWS: the email signs in, preferred_username is no alias.
    pool = await startTestPool({ preferredUsernameSignIn: false });
    accounts = createCognitoAccounts({ client: pool.client, clientId: TEST_CLIENT_ID, userPoolId: TEST_POOL_ID });
  });
  afterAll(async () => {
    await pool.stop();
  });

  async function confirmedAccount(username?: string) {
    const email = newEmail();
    const { userId } = await accounts.signUp({ email, password: PASSWORD, ...(username ? { username } : {}) });
    await accounts.confirm(email, pool.lastCode(email));
    return { email, userId };
  }

  describe("signUp and confirm", () => {
    it("signs up: the userId is Cognito's sub, not yet confirmed", async () => {
      const email = newEmail();
      const out = await accounts.signUp({ email, password: PASSWORD });
      expect(out).toEqual({ userId: expect.stringMatching(UUID), confirmed: false });
      expect(pool.cognito.outbox.messages(email)).toHaveLength(1);
    });

    it("an existing email is 409 UserExists", async () => {
      const email = newEmail();
      await accounts.signUp({ email, password: PASSWORD });
      const error = await failure(accounts.signUp({ email, password: PASSWORD }));
      expect(error).toMatchObject({ name: "ConflictError", status: 409, code: "UserExists" });
    });

    it("a weak password is 400 WeakPassword, stating the policy", async () => {
      const error = await failure(accounts.signUp({ email: newEmail(), password: "password" }));
      expect(error).toMatchObject({ name: "ValidationError", status: 400, code: "WeakPassword", message: PASSWORD_POLICY_MESSAGE });
      expect(error.message).toMatch(/At least 8 characters/);
    });

    it("malformed input Cognito refuses is 400 InvalidParameter", async () => {
      const error = await failure(accounts.signUp({ email: "not-an-email", password: PASSWORD }));
      expect(error).toMatchObject({ name: "ValidationError", status: 400, code: "InvalidParameter" });
      expect(error.message).not.toMatch(/Username should be an email/);
    });

    it("a wrong code is 400 InvalidCode, an expired one 400 ExpiredCode, a second confirmation 409", async () => {
      const email = newEmail();
      await accounts.signUp({ email, password: PASSWORD });
      const code = pool.lastCode(email);
      expect(await failure(accounts.confirm(email, wrongCode(code)))).toMatchObject({ status: 400, code: "InvalidCode" });
      pool.clock.advance(24 * 3600_000);
      expect(await failure(accounts.confirm(email, code))).toMatchObject({ status: 400, code: "ExpiredCode" });
      await accounts.resendCode(email);
      await accounts.confirm(email, pool.lastCode(email));
      expect(await failure(accounts.confirm(email, pool.lastCode(email)))).toMatchObject({ status: 409, code: "AlreadyConfirmed" });
      expect(await failure(accounts.resendCode(email))).toMatchObject({ status: 409, code: "AlreadyConfirmed" });
    });

    it("too many wrong codes is 429", async () => {
      const email = newEmail();
      await accounts.signUp({ email, password: PASSWORD });
      const code = pool.lastCode(email);
      for (let i = 0; i < 5; i++) await failure(accounts.confirm(email, wrongCode(code)));
      expect(await failure(accounts.confirm(email, code))).toMatchObject({ name: "TooManyRequestsError", status: 429, code: "TooManyRequests" });
      // A new code does not buy new guesses; the answer says when to come back.
      await accounts.resendCode(email);
      const limited = await failure(accounts.confirm(email, pool.lastCode(email)));
      expect(toErrorResponse(limited)).toMatchObject({ status: 429, headers: { "retry-after": "900" } });
    });

    it("refuses a username another account holds, confirmed or not: 409 UsernameTaken, nothing created", async () => {
      const username = `taken${Date.now()}`;
      await accounts.signUp({ email: newEmail(), password: PASSWORD, username });
      const email = newEmail();
      const error = await failure(accounts.signUp({ email, password: PASSWORD, username }));
      expect(error).toMatchObject({ name: "ConflictError", status: 409, code: "UsernameTaken" });
      expect(toErrorResponse(error).body.error.message).toBe("This username is taken; choose another.");
      expect(pool.cognito.outbox.messages(email)).toEqual([]);
      // Usernames compare exactly, as Cognito's ListUsers filter does.
      await expect(accounts.signUp({ email, password: PASSWORD, username: username.toUpperCase() })).resolves.toMatchObject({ confirmed: false });
    });

    it("resending a code to an unknown email answers as if sent", async () => {
      await expect(accounts.resendCode("nobody@example.com")).resolves.toBeUndefined();
    });
  });

  describe("login, refresh, logout", () => {
    it("logs in with the email or the username and returns the three tokens", async () => {
      const username = `nick${Date.now()}`;
      const { email } = await confirmedAccount(username);
      for (const name of [email, username]) {
        const tokens = await accounts.login(name, PASSWORD);
        expect(tokens).toEqual({ accessToken: expect.any(String), idToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 3600 });
      }
    });

    it("a username resolves to its one account: the right password signs in, a wrong one is the usual 401", async () => {
      const username = `resolve${Date.now()}`;
      const { email, userId } = await confirmedAccount(username);
      const byName = await accounts.login(username, PASSWORD);
      const byEmail = await accounts.login(email, PASSWORD);
      for (const tokens of [byName, byEmail]) expect(JSON.parse(Buffer.from(tokens.accessToken.split(".")[1]!, "base64url").toString()).sub).toBe(userId);
      expect(await failure(accounts.login(username, "Wrong-Password-1"))).toMatchObject({ status: 401, code: "InvalidCredentials" });
    });

    it("an unknown, malformed, differently cased or ambiguous username is the same 401 as a wrong password", async () => {
      const username = `twice${Date.now()}`;
      const { email } = await confirmedAccount(username);
      const wrong = toErrorResponse(await failure(accounts.login(email, "Wrong-Password-1")));
      // The sign-up race, played directly against Cognito: a second account with the same username.
      const second = newEmail();
      await pool.client.send(
        new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: second, Password: PASSWORD, UserAttributes: [{ Name: "email", Value: second }, { Name: "preferred_username", Value: username }] }),
      );
      await accounts.confirm(second, pool.lastCode(second));
      for (const name of [username, `nobody${Date.now()}`, "not a name", `quote"${Date.now()}`, username.toUpperCase()]) {
        expect(toErrorResponse(await failure(accounts.login(name, PASSWORD))), name).toEqual(wrong);
      }
      // Both people still sign in with their email.
      await accounts.login(email, PASSWORD);
      await accounts.login(second, PASSWORD);
    });

    it("an unconfirmed account is 403 UserNotConfirmed when named by its username too", async () => {
      const username = `early${Date.now()}`;
      const email = newEmail();
      await accounts.signUp({ email, password: PASSWORD, username });
      expect(await failure(accounts.login(username, PASSWORD))).toMatchObject({ name: "ForbiddenError", status: 403, code: "UserNotConfirmed" });
    });

    it("an unconfirmed account is 403 UserNotConfirmed", async () => {
      const email = newEmail();
      await accounts.signUp({ email, password: PASSWORD });
      expect(await failure(accounts.login(email, PASSWORD))).toMatchObject({ name: "ForbiddenError", status: 403, code: "UserNotConfirmed" });
    });

    it("an unknown user and a wrong password give the very same 401", async () => {
      const { email } = await confirmedAccount();
      const wrong = await failure(accounts.login(email, "Wrong-Password-1"));
      const unknown = await failure(accounts.login(`nobody${Date.now()}@example.com`, PASSWORD));
      const unknownName = await failure(accounts.login(`nobody${Date.now()}`, PASSWORD));
      for (const error of [wrong, unknown, unknownName]) {
        expect(error).toMatchObject({ name: "UnauthorizedError", status: 401, code: "InvalidCredentials", message: wrong.message });
        expect(toErrorResponse(error)).toEqual(toErrorResponse(wrong));
      }
      expect(toErrorResponse(wrong)).toEqual({ status: 401, body: { error: { code: "InvalidCredentials", message: "Incorrect email, username or password." } } });
    });

    it("a user Cognito reports as not found is the same 401 as a wrong password", () => {
      const notFound = Object.assign(new Error("User does not exist."), { name: "UserNotFoundException", $fault: "client", $metadata: {} });
      const notAuthorized = Object.assign(new Error("Incorrect username or password."), { name: "NotAuthorizedException", $fault: "client", $metadata: {} });
      expect(toErrorResponse(toAppError(notFound))).toEqual(toErrorResponse(toAppError(notAuthorized)));
    });

    it("repeated wrong passwords lock the name: 429", async () => {
      const { email } = await confirmedAccount();
      for (let i = 0; i < 5; i++) await failure(accounts.login(email, "Wrong-Password-1"));
      expect(await failure(accounts.login(email, PASSWORD))).toMatchObject({ name: "TooManyRequestsError", status: 429 });
      pool.clock.advance(1000);
      await accounts.login(email, PASSWORD);
    });

    it("refreshes without a new refresh token; a bad refresh token is 401", async () => {
      const { email } = await confirmedAccount();
      const tokens = await accounts.login(email, PASSWORD);
      const refreshed = await accounts.refresh(tokens.refreshToken!);
      expect(refreshed).toEqual({ accessToken: expect.any(String), idToken: expect.any(String), expiresIn: 3600 });
      expect(await failure(accounts.refresh("garbage"))).toMatchObject({ status: 401, code: "InvalidRefreshToken" });
    });

    it("logout revokes the refresh token and signs out every session; twice is fine", async () => {
      const { email } = await confirmedAccount();
      const one = await accounts.login(email, PASSWORD);
      const two = await accounts.login(email, PASSWORD);
      await accounts.logout(one.accessToken, one.refreshToken!);
      for (const t of [one, two]) expect(await failure(accounts.refresh(t.refreshToken!))).toMatchObject({ status: 401 });
      await expect(accounts.logout(one.accessToken, one.refreshToken!)).resolves.toBeUndefined();
      const three = await accounts.login(email, PASSWORD);
      await expect(accounts.refresh(three.refreshToken!)).resolves.toBeDefined();
    });

    it("logout with an unusable refresh token still signs every session out", async () => {
      const { email } = await confirmedAccount();
      const tokens = await accounts.login(email, PASSWORD);
      await accounts.logout(tokens.accessToken, "not-a-real-refresh-token");
      expect(await failure(accounts.refresh(tokens.refreshToken!))).toMatchObject({ status: 401 });
    });

    it("signOutEverywhere revokes every refresh token of the user, by the user's id", async () => {
      const { email, userId } = await confirmedAccount();
      const one = await accounts.login(email, PASSWORD);
      const two = await accounts.login(email, PASSWORD);
      await accounts.signOutEverywhere(userId);
      for (const t of [one, two]) expect(await failure(accounts.refresh(t.refreshToken!))).toMatchObject({ status: 401 });
    });

    it("logout with an invalid access token is 401", async () => {
      const { email } = await confirmedAccount();
      const tokens = await accounts.login(email, PASSWORD);
      expect(await failure(accounts.logout("a.b.c", tokens.refreshToken!))).toMatchObject({ status: 401, code: "InvalidToken" });
    });
  });

  describe("forgotPassword and resetPassword", () => {
    it("answers the same for an existing, an unconfirmed and an unknown account", async () => {
      const { email } = await confirmedAccount();
      const unconfirmed = newEmail();
      await accounts.signUp({ email: unconfirmed, password: PASSWORD });
      const sent = pool.cognito.outbox.messages().length;
      await expect(accounts.forgotPassword(`nobody${Date.now()}@example.com`)).resolves.toBeUndefined();
      await expect(accounts.forgotPassword(unconfirmed)).resolves.toBeUndefined();
      expect(pool.cognito.outbox.messages()).toHaveLength(sent);
      await expect(accounts.forgotPassword(email)).resolves.toBeUndefined();
      expect(pool.cognito.outbox.messages(email).at(-1)?.subject).toBe("Your password reset code");
    });

    it("resets with the code: wrong code 400 InvalidCode, weak password 400 WeakPassword, expired 400 ExpiredCode", async () => {
      const { email, userId } = await confirmedAccount();
      await accounts.forgotPassword(email);
      const code = pool.lastCode(email);
      expect(await failure(accounts.resetPassword(email, wrongCode(code), "New-Password-2"))).toMatchObject({ status: 400, code: "InvalidCode" });
      expect(await failure(accounts.resetPassword(email, code, "weakweak"))).toMatchObject({ status: 400, code: "WeakPassword" });
      expect(await accounts.resetPassword(email, code, "New-Password-2")).toEqual({ userId });
      await accounts.login(email, "New-Password-2");
      expect(await failure(accounts.login(email, PASSWORD))).toMatchObject({ status: 401, code: "InvalidCredentials" });

      await accounts.forgotPassword(email);
      pool.clock.advance(3600_000);
      expect(await failure(accounts.resetPassword(email, pool.lastCode(email), "Newer-Password-3"))).toMatchObject({ status: 400, code: "ExpiredCode" });
    });

    it("a reset for an unknown account is the same 400 InvalidCode as a wrong code", async () => {
      const error = await failure(accounts.resetPassword(`nobody${Date.now()}@example.com`, "123456", "New-Password-2"));
      expect(error).toMatchObject({ status: 400, code: "InvalidCode" });
    });
  });

  describe("failures that are not the client's", () => {
    it("an unknown app client is a 500 that keeps Cognito's error as cause and shows nothing of it", async () => {
      const misconfigured = createCognitoAccounts({ client: pool.client, clientId: "wrongclientid", userPoolId: TEST_POOL_ID });
      const error = await failure(misconfigured.login("someone@example.com", PASSWORD));
      expect(error).toBeInstanceOf(InternalError);
      expect(error.cause).toMatchObject({ name: "ResourceNotFoundException" });
      expect(JSON.stringify(toErrorResponse(error))).not.toMatch(/wrongclientid|ResourceNotFound/);
    });

    it("a username lookup Cognito refuses (here: an unknown pool) is a 500, never a 401 or a 409", async () => {
      const misconfigured = createCognitoAccounts({ client: pool.client, clientId: TEST_CLIENT_ID, userPoolId: "us-east-1_NoSuchPool" });
      for (const call of [misconfigured.login("someone", PASSWORD), misconfigured.signUp({ email: newEmail(), password: PASSWORD, username: `x${Date.now()}` })]) {
        const error = await failure(call);
        expect(error).toBeInstanceOf(InternalError);
        expect(error.cause).toMatchObject({ name: "ResourceNotFoundException" });
      }
    });

    it("quotes the username in the ListUsers filter, escaping what the syntax needs", () => {
      expect(usernameFilter("bob")).toBe('preferred_username = "bob"');
      expect(usernameFilter('a"b\\c')).toBe('preferred_username = "a\\"b\\\\c"');
    });

    it("an unreachable endpoint is a 500", async () => {
      const client = sdkClient("http://127.0.0.1:9");
      try {
        const error = await failure(createCognitoAccounts({ client, clientId: TEST_CLIENT_ID, userPoolId: TEST_POOL_ID }).login("a@example.com", PASSWORD));
        expect(toErrorResponse(error)).toEqual({ status: 500, body: { error: { code: "InternalError", message: "Something went wrong on our side." } } });
      } finally {
        client.destroy();
      }
    });

    it("throttling and attempt limits are 429; Cognito's own faults are 500", () => {
      const meta = { $metadata: {}, message: "x" };
      for (const error of [new TooManyRequestsException(meta), new LimitExceededException(meta), new TooManyFailedAttemptsException(meta)]) {
        expect(toAppError(error)).toMatchObject({ status: 429, code: "TooManyRequests" });
        expect(toErrorResponse(toAppError(error)).headers?.["retry-after"]).toMatch(/^[1-9]\d*$/);
      }
      const fault = toAppError(new InternalErrorException(meta));
      expect(fault).toBeInstanceOf(InternalError);
      expect(toAppError(new Error("socket hang up"))).toBeInstanceOf(InternalError);
    });
  });
});
