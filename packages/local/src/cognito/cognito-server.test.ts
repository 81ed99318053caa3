import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  ResendConfirmationCodeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_CLIENT_ID, TEST_POOL_ID, startTestPool, testIam, type TestPool } from "@media/testing/local-cognito-pool";

const PASSWORD = "Correct-Horse-9";
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const HOUR = 3600_000;

let n = 0;
/** A fresh address per test, so tests sharing a pool never meet. */
const newEmail = () => `user${++n}.${Date.now()}@example.com`;

describe("local Cognito, driven by the real SDK client", () => {
  let pool: TestPool;
  beforeAll(async () => {
    pool = await startTestPool();
  });
  afterAll(async () => {
    await pool.stop();
  });

  const signUp = (email: string, password = PASSWORD, username?: string) =>
    pool.client.send(
      new SignUpCommand({
        ClientId: TEST_CLIENT_ID,
        Username: email,
        Password: password,
        UserAttributes: [{ Name: "email", Value: email }, ...(username ? [{ Name: "preferred_username", Value: username }] : [])],
      }),
    );
  const confirm = (email: string, code = pool.lastCode(email)) =>
    pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: code }));
  const login = (username: string, password = PASSWORD) =>
    pool.client.send(
      new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD: password } }),
    );
  const refresh = (token: string) =>
    pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: token } }));
  const forgot = (email: string) => pool.client.send(new ForgotPasswordCommand({ ClientId: TEST_CLIENT_ID, Username: email }));
  const reset = (email: string, code: string, password: string) =>
    pool.client.send(new ConfirmForgotPasswordCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: code, Password: password }));
  const getUser = (accessToken: string) => pool.client.send(new GetUserCommand({ AccessToken: accessToken }));
  async function confirmedUser(username?: string) {
    const email = newEmail();
    const { UserSub } = await signUp(email, PASSWORD, username);
    await confirm(email);
    return { email, sub: UserSub! };
  }
  async function tokensOf(name: string, password = PASSWORD) {
    const out = await login(name, password);
    return out.AuthenticationResult!;
  }

  describe("sign-up and confirmation", () => {
    it("signs up with the email as username, sends a 6-digit code to the outbox and the callback", async () => {
      const email = newEmail();
      const out = await signUp(email);
      expect(out.UserConfirmed).toBe(false);
      expect(out.UserSub).toMatch(UUID_V4);
      expect(out.CodeDeliveryDetails).toEqual({ Destination: "u***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
      const messages = pool.cognito.outbox.messages(email);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toEqual({ to: email, subject: "Your verification code", code: expect.stringMatching(/^\d{6}$/), at: expect.any(String) });
      expect(new Date(messages[0]!.at).getTime()).toBe(pool.clock.now);
      expect(pool.codes.at(-1)).toEqual(messages[0]);
      expect(pool.cognito.outbox.messages(email.toUpperCase())).toEqual(messages);
    });

    it("refuses a login before confirmation, but only to someone who knows the password", async () => {
      const email = newEmail();
      await signUp(email);
      await expect(login(email)).rejects.toMatchObject({ name: "UserNotConfirmedException", message: "User is not confirmed." });
      await expect(login(email, "Wrong-Password-1")).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    });

    it("confirms with the right code, refuses a wrong one and a second confirmation", async () => {
      const email = newEmail();
      await signUp(email);
      const code = pool.lastCode(email);
      const wrong = code === "000000" ? "111111" : "000000";
      await expect(confirm(email, wrong)).rejects.toMatchObject({
        name: "CodeMismatchException",
        message: "Invalid verification code provided, please try again.",
        $metadata: { httpStatusCode: 400 },
      });
      await confirm(email, code);
      await expect(confirm(email, code)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "User cannot be confirmed. Current status is CONFIRMED" });
      expect((await login(email)).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it("answers a wrong code for an unknown user (PreventUserExistenceErrors)", async () => {
      await expect(confirm("nobody@example.com", "123456")).rejects.toMatchObject({ name: "CodeMismatchException" });
    });

    it("expires a confirmation code after 24 hours", async () => {
      const email = newEmail();
      await signUp(email);
      pool.clock.advance(24 * HOUR);
      await expect(confirm(email)).rejects.toMatchObject({ name: "ExpiredCodeException", message: "Invalid code provided, please request a code again." });
      await pool.client.send(new ResendConfirmationCodeCommand({ ClientId: TEST_CLIENT_ID, Username: email }));
      await confirm(email);
    });

    it("locks the account's codes after 5 wrong attempts, even against the right one, and a new code does not unlock them", async () => {
      const email = newEmail();
      await signUp(email);
      const code = pool.lastCode(email);
      const wrong = code === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) await expect(confirm(email, wrong)).rejects.toMatchObject({ name: "CodeMismatchException" });
      await expect(confirm(email, code)).rejects.toMatchObject({ name: "LimitExceededException", message: "Attempt limit exceeded, please try after some time." });
      const resent = await pool.client.send(new ResendConfirmationCodeCommand({ ClientId: TEST_CLIENT_ID, Username: email }));
      expect(resent.CodeDeliveryDetails?.DeliveryMedium).toBe("EMAIL");
      const fresh = pool.lastCode(email);
      expect(pool.cognito.outbox.messages(email)).toHaveLength(2);
      await expect(confirm(email, fresh)).rejects.toMatchObject({ name: "LimitExceededException" });
      // The budget is per hour: once the failures are an hour old, the code in hand works.
      pool.clock.advance(HOUR);
      await confirm(email, fresh);
    });

    it("resends: a new code replaces the old; a confirmed user is refused; an unknown one is answered as sent", async () => {
      const email = newEmail();
      await signUp(email);
      const first = pool.lastCode(email);
      await pool.client.send(new ResendConfirmationCodeCommand({ ClientId: TEST_CLIENT_ID, Username: email }));
      const second = pool.lastCode(email);
      if (first !== second) await expect(confirm(email, first)).rejects.toMatchObject({ name: "CodeMismatchException" });
      await confirm(email, second);
      await expect(pool.client.send(new ResendConfirmationCodeCommand({ ClientId: TEST_CLIENT_ID, Username: email }))).rejects.toMatchObject({
        name: "InvalidParameterException",
        message: "User is already confirmed.",
      });
      const ghost = await pool.client.send(new ResendConfirmationCodeCommand({ ClientId: TEST_CLIENT_ID, Username: "ghost@example.com" }));
      expect(ghost.CodeDeliveryDetails).toEqual({ Destination: "g***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
      expect(pool.cognito.outbox.messages("ghost@example.com")).toEqual([]);
    });

    it("refuses an email that already has an account, confirmed or not, in any case", async () => {
      const email = newEmail();
      await signUp(email);
      await expect(signUp(email)).rejects.toMatchObject({ name: "UsernameExistsException", message: "An account with the given email already exists." });
      await expect(signUp(email.toUpperCase())).rejects.toMatchObject({ name: "UsernameExistsException" });
    });

    it("refuses a preferred_username that another account has", async () => {
      const name = `taken${Date.now()}`;
      await signUp(newEmail(), PASSWORD, name);
      await expect(signUp(newEmail(), PASSWORD, name.toUpperCase())).rejects.toMatchObject({ name: "UsernameExistsException" });
    });

    it("enforces the password policy with Cognito's messages", async () => {
      const cases: Array<[string, string]> = [
        ["Ab1!xyz", "Password not long enough"],
        ["ABCDEFG1!", "Password must have lowercase characters"],
        ["abcdefg1!", "Password must have uppercase characters"],
        ["Abcdefgh!", "Password must have numeric characters"],
        ["Abcdefgh1", "Password must have symbol characters"],
      ];
      for (const [password, rule] of cases) {
        await expect(signUp(newEmail(), password)).rejects.toMatchObject({
          name: "InvalidPasswordException",
          message: `Password did not conform with policy: ${rule}`,
        });
      }
      await signUp(newEmail(), "Abcdefg1 x");
    });

    it("refuses malformed input with InvalidParameterException", async () => {
      await expect(signUp("not-an-email")).rejects.toMatchObject({ name: "InvalidParameterException", message: "Username should be an email." });
      await expect(signUp(newEmail(), " Leading-Space-1")).rejects.toMatchObject({ name: "InvalidParameterException", message: expect.stringContaining("'password'") });
      await expect(pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: newEmail(), Password: undefined as unknown as string }))).rejects.toMatchObject({
        name: "InvalidParameterException",
        message: "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null",
      });
      await expect(
        pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: newEmail(), Password: PASSWORD, UserAttributes: [{ Name: "shoe_size", Value: "44" }] })),
      ).rejects.toMatchObject({ name: "InvalidParameterException", message: expect.stringContaining("shoe_size: Attribute does not exist in the schema") });
      await expect(signUp(newEmail(), PASSWORD, "someone@example.com")).rejects.toMatchObject({ name: "InvalidParameterException" });
      await expect(
        pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "a@example.com" } })),
      ).rejects.toMatchObject({ name: "InvalidParameterException", message: "Missing required parameter PASSWORD" });
    });

    it("refuses an unknown app client", async () => {
      await expect(pool.client.send(new SignUpCommand({ ClientId: "someotherclient", Username: newEmail(), Password: PASSWORD }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
        message: "User pool client someotherclient does not exist.",
      });
    });

    it("lets only one of two simultaneous sign-ups with the same email through", async () => {
      const email = newEmail();
      const results = await Promise.allSettled([signUp(email), signUp(email)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { name: "UsernameExistsException" } });
    });
  });

  describe("sign-in and tokens", () => {
    it("mints RS256 tokens with exactly Cognito's claims, signed by a key of the JWKS", async () => {
      const { email, sub } = await confirmedUser();
      const result = await tokensOf(email);
      expect(result).toMatchObject({ ExpiresIn: 3600, TokenType: "Bearer" });
      expect(result.RefreshToken).toMatch(/^[A-Za-z0-9_-]{80,}$/);

      const header = decodeProtectedHeader(result.AccessToken!);
      expect(header).toEqual({ kid: pool.cognito.jwks.keys[0]!.kid, alg: "RS256" });
      const access = decodeJwt(result.AccessToken!);
      expect(Object.keys(access).sort()).toEqual(
        ["sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username"].sort(),
      );
      expect(access).toMatchObject({
        sub,
        iss: `https://cognito-idp.us-east-1.amazonaws.com/${TEST_POOL_ID}`,
        client_id: TEST_CLIENT_ID,
        token_use: "access",
        scope: "aws.cognito.signin.user.admin",
        username: sub,
        origin_jti: expect.stringMatching(UUID_V4),
        event_id: expect.stringMatching(UUID_V4),
        jti: expect.stringMatching(UUID_V4),
      });
      expect(access.exp! - access.iat!).toBe(3600);
      expect(access.auth_time).toBe(Math.floor(pool.clock.now / 1000));

      const id = decodeJwt(result.IdToken!);
      expect(id).toMatchObject({
        sub,
        aud: TEST_CLIENT_ID,
        iss: access.iss,
        token_use: "id",
        email,
        email_verified: true,
        "cognito:username": sub,
        origin_jti: access.origin_jti,
        event_id: access.event_id,
      });
      expect(decodeProtectedHeader(result.IdToken!).kid).toBe(header.kid);
      expect(pool.cognito.jwks).toEqual({ keys: [{ kid: header.kid, alg: "RS256", kty: "RSA", e: "AQAB", n: expect.any(String), use: "sig" }] });
    });

    it("signs in with the email in any case, with the preferred_username, and with the generated username", async () => {
      const name = `nick${Date.now()}`;
      const { email, sub } = await confirmedUser(name);
      for (const given of [email, email.toUpperCase(), name, name.toUpperCase(), sub]) {
        expect(decodeJwt((await tokensOf(given)).AccessToken!).sub).toBe(sub);
      }
      const id = decodeJwt((await tokensOf(name)).IdToken!);
      expect(id.preferred_username).toBe(name);
    });

    it("does not honour a preferred_username before the account is confirmed", async () => {
      const name = `early${Date.now()}`;
      await signUp(newEmail(), PASSWORD, name);
      await expect(login(name)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    });

    it("answers an unknown user exactly as a wrong password", async () => {
      const { email } = await confirmedUser();
      const wrong = (await login(email, "Wrong-Password-1").then(
        () => undefined,
        (e: Error) => e,
      ))!;
      const unknown = await login("nobody-here@example.com").then(
        () => undefined,
        (e: Error) => e,
      );
      expect(unknown).toMatchObject({ name: wrong.name, message: wrong.message, $metadata: { httpStatusCode: 400 } });
      expect(wrong).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    });

    it("locks sign-in after 5 failures, for known and unknown names alike, then lets the right password in", async () => {
      const { email } = await confirmedUser();
      const ghost = `ghost${Date.now()}@example.com`;
      for (const name of [email, ghost]) {
        for (let i = 0; i < 5; i++) await expect(login(name, "Wrong-Password-1")).rejects.toMatchObject({ message: "Incorrect username or password." });
      }
      await expect(login(email)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Password attempts exceeded" });
      await expect(login(ghost)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Password attempts exceeded" });
      pool.clock.advance(1000);
      expect((await login(email)).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it("refreshes: new access and id tokens, no new refresh token, same origin_jti and auth_time", async () => {
      const { email } = await confirmedUser();
      const first = await tokensOf(email);
      pool.clock.advance(60_000);
      const out = await refresh(first.RefreshToken!);
      expect(out.AuthenticationResult?.RefreshToken).toBeUndefined();
      expect(out.AuthenticationResult).toMatchObject({ ExpiresIn: 3600, TokenType: "Bearer" });
      const before = decodeJwt(first.AccessToken!);
      const after = decodeJwt(out.AuthenticationResult!.AccessToken!);
      expect(after).toMatchObject({ origin_jti: before.origin_jti, auth_time: before.auth_time, sub: before.sub });
      expect(after.jti).not.toBe(before.jti);
      expect(after.event_id).not.toBe(before.event_id);
      expect(after.iat).toBe(before.iat! + 60);
      await expect(refresh("not-a-refresh-token")).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Invalid Refresh Token" });
    });

    it("GetUser answers the attributes for a live access token", async () => {
      const name = `attrs${Date.now()}`;
      const { email, sub } = await confirmedUser(name);
      const out = await getUser((await tokensOf(email)).AccessToken!);
      expect(out.Username).toBe(sub);
      expect(out.UserAttributes).toEqual([
        { Name: "sub", Value: sub },
        { Name: "email_verified", Value: "true" },
        { Name: "preferred_username", Value: name },
        { Name: "email", Value: email },
      ]);
      await expect(getUser("a.b.c")).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Invalid Access Token" });
    });

    it("expires access tokens after an hour and refresh tokens after 30 days", async () => {
      const { email } = await confirmedUser();
      const tokens = await tokensOf(email);
      pool.clock.advance(HOUR);
      await expect(getUser(tokens.AccessToken!)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Access Token has expired" });
      await refresh(tokens.RefreshToken!);
      pool.clock.advance(30 * 24 * HOUR);
      await expect(refresh(tokens.RefreshToken!)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has expired" });
    });
  });

  describe("sign-out and revocation", () => {
    it("RevokeToken revokes the refresh token and its session's access tokens, and nothing else", async () => {
      const { email } = await confirmedUser();
      const one = await tokensOf(email);
      const two = await tokensOf(email);
      await pool.client.send(new RevokeTokenCommand({ ClientId: TEST_CLIENT_ID, Token: one.RefreshToken! }));
      await expect(refresh(one.RefreshToken!)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has been revoked" });
      await expect(getUser(one.AccessToken!)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Access Token has been revoked" });
      await getUser(two.AccessToken!);
      await refresh(two.RefreshToken!);
      // Revoking again, or revoking a token nobody issued, is not an error (RFC 7009).
      await pool.client.send(new RevokeTokenCommand({ ClientId: TEST_CLIENT_ID, Token: one.RefreshToken! }));
      await pool.client.send(new RevokeTokenCommand({ ClientId: TEST_CLIENT_ID, Token: "unknowntoken" }));
      await expect(pool.client.send(new RevokeTokenCommand({ ClientId: TEST_CLIENT_ID, Token: two.AccessToken! }))).rejects.toMatchObject({
        name: "UnsupportedTokenTypeException",
      });
    });

    it("GlobalSignOut revokes every session of the user; a new login works", async () => {
      const { email } = await confirmedUser();
      const other = await confirmedUser();
      const one = await tokensOf(email);
      const two = await tokensOf(email);
      const stranger = await tokensOf(other.email);
      await pool.client.send(new GlobalSignOutCommand({ AccessToken: one.AccessToken! }));
      for (const t of [one, two]) {
        await expect(refresh(t.RefreshToken!)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has been revoked" });
        await expect(getUser(t.AccessToken!)).rejects.toMatchObject({ message: "Access Token has been revoked" });
      }
      await expect(pool.client.send(new GlobalSignOutCommand({ AccessToken: two.AccessToken! }))).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
      await getUser(stranger.AccessToken!);
      await getUser((await tokensOf(email)).AccessToken!);
    });
  });

  describe("forgotten passwords", () => {
    it("sends a reset code, refuses wrong codes and weak passwords, then resets", async () => {
      const { email } = await confirmedUser();
      const out = await forgot(email);
      expect(out.CodeDeliveryDetails).toEqual({ Destination: "u***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
      const message = pool.cognito.outbox.messages(email).at(-1)!;
      expect(message).toMatchObject({ subject: "Your password reset code", code: expect.stringMatching(/^\d{6}$/) });
      const code = message.code!;
      const wrong = code === "000000" ? "111111" : "000000";
      await expect(reset(email, wrong, "New-Password-2")).rejects.toMatchObject({ name: "CodeMismatchException" });
      await expect(reset(email, code, "weak")).rejects.toMatchObject({ name: "InvalidPasswordException" });
      // Until the reset, the old password still works (Cognito leaves the account CONFIRMED).
      await tokensOf(email);
      await reset(email, code, "New-Password-2");
      await expect(login(email)).rejects.toMatchObject({ name: "NotAuthorizedException" });
      await tokensOf(email, "New-Password-2");
      await expect(reset(email, code, "Newer-Password-3")).rejects.toMatchObject({ name: "CodeMismatchException" });
    });

    it("answers an unknown user as if the code had been sent, and sends nothing", async () => {
      const ghost = `ghost${Date.now()}@example.com`;
      const before = pool.cognito.outbox.messages().length;
      const out = await forgot(ghost);
      expect(out.CodeDeliveryDetails).toEqual({ Destination: "g***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
      expect(pool.cognito.outbox.messages()).toHaveLength(before);
      await expect(reset(ghost, "123456", "New-Password-2")).rejects.toMatchObject({ name: "CodeMismatchException" });
    });

    it("refuses a reset for an account whose email was never verified", async () => {
      const email = newEmail();
      await signUp(email);
      await expect(forgot(email)).rejects.toMatchObject({
        name: "InvalidParameterException",
        message: "Cannot reset password for the user as there is no registered/verified email or phone_number",
      });
    });

    it("expires reset codes after an hour and locks them after 5 wrong attempts", async () => {
      const { email } = await confirmedUser();
      await forgot(email);
      pool.clock.advance(HOUR);
      await expect(reset(email, pool.lastCode(email), "New-Password-2")).rejects.toMatchObject({ name: "ExpiredCodeException" });
      await forgot(email);
      const code = pool.lastCode(email);
      const wrong = code === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) await expect(reset(email, wrong, "New-Password-2")).rejects.toMatchObject({ name: "CodeMismatchException" });
      await expect(reset(email, code, "New-Password-2")).rejects.toMatchObject({ name: "LimitExceededException" });
    });
  });

  describe("admin operations", () => {
    it("AdminGetUser and AdminDeleteUser find users by email, and deletion ends their sessions", async () => {
      const { email, sub } = await confirmedUser();
      const tokens = await tokensOf(email);
      const user = await pool.client.send(new AdminGetUserCommand({ UserPoolId: TEST_POOL_ID, Username: email }));
      expect(user).toMatchObject({ Username: sub, UserStatus: "CONFIRMED", Enabled: true });
      expect(user.UserCreateDate).toBeInstanceOf(Date);
      expect(user.UserCreateDate!.getTime()).toBeLessThanOrEqual(pool.clock.now);
      expect(user.UserAttributes).toContainEqual({ Name: "email", Value: email });

      await pool.client.send(new AdminDeleteUserCommand({ UserPoolId: TEST_POOL_ID, Username: email }));
      await expect(pool.client.send(new AdminGetUserCommand({ UserPoolId: TEST_POOL_ID, Username: email }))).rejects.toMatchObject({
        name: "UserNotFoundException",
        message: "User does not exist.",
      });
      await expect(login(email)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
      await expect(refresh(tokens.RefreshToken!)).rejects.toMatchObject({ name: "NotAuthorizedException" });
      await expect(pool.client.send(new AdminGetUserCommand({ UserPoolId: "us-east-1_Elsewhere", Username: email }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
      });
    });
  });

  describe("ListUsers", () => {
    const list = (input: { Filter?: string; Limit?: number; PaginationToken?: string; AttributesToGet?: string[] }) =>
      pool.client.send(new ListUsersCommand({ UserPoolId: TEST_POOL_ID, ...input }));

    it("finds users by an exact or a prefix filter, with Cognito's user shape", async () => {
      const stamp = Date.now();
      const a = await confirmedUser(`lu${stamp}-alpha`);
      // Users are listed by creation time (then sub): make the order of these two certain.
      pool.clock.advance(1);
      const b = await signUp(newEmail(), PASSWORD, `lu${stamp}-beta`);
      const exact = await list({ Filter: `preferred_username = "lu${stamp}-alpha"` });
      expect(exact.Users).toHaveLength(1);
      expect(exact.PaginationToken).toBeUndefined();
      const [user] = exact.Users!;
      expect(user).toMatchObject({ Username: a.sub, UserStatus: "CONFIRMED", Enabled: true });
      expect(user!.UserCreateDate).toBeInstanceOf(Date);
      expect(user!.UserLastModifiedDate).toBeInstanceOf(Date);
      expect(user!.Attributes).toEqual([
        { Name: "sub", Value: a.sub },
        { Name: "email_verified", Value: "true" },
        { Name: "preferred_username", Value: `lu${stamp}-alpha` },
        { Name: "email", Value: a.email },
      ]);
      const prefix = await list({ Filter: `preferred_username ^= "lu${stamp}-"` });
      expect(prefix.Users!.map((u) => u.Username)).toEqual([a.sub, b.UserSub]);
      // AWS's own example form: quoted name, no spaces.
      expect((await list({ Filter: `"email"^="${a.email.slice(0, -4)}"` })).Users!.map((u) => u.Username)).toEqual([a.sub]);
      expect((await list({ Filter: `email = "${a.email}"` })).Users!.map((u) => u.Username)).toEqual([a.sub]);
      // Exact means exact: another case, a prefix given as `=`, an attribute nobody has.
      expect((await list({ Filter: `preferred_username = "LU${stamp}-ALPHA"` })).Users).toEqual([]);
      expect((await list({ Filter: `preferred_username = "lu${stamp}-"` })).Users).toEqual([]);
      expect((await list({ Filter: `given_name = "lu${stamp}-alpha"` })).Users).toEqual([]);
    });

    it("filters on sub, username, status and cognito:user_status (case-insensitive), and returns only the attributes asked for", async () => {
      const stamp = Date.now();
      const email = newEmail();
      const { UserSub } = await signUp(email, PASSWORD, `st${stamp}`);
      for (const filter of [`sub = "${UserSub}"`, `username = "${UserSub}"`]) {
        expect((await list({ Filter: filter })).Users!.map((u) => u.Username), filter).toEqual([UserSub]);
      }
      const unconfirmed = await list({ Filter: 'cognito:user_status = "unconfirmed"', Limit: 60 });
      expect(unconfirmed.Users!.every((u) => u.UserStatus === "UNCONFIRMED")).toBe(true);
      expect(unconfirmed.Users!.some((u) => u.Username === UserSub)).toBe(true);
      const enabled = await list({ Filter: 'status = "Enabled"', Limit: 1 });
      expect(enabled.Users).toHaveLength(1);
      expect((await list({ Filter: 'status = "enabled"' })).Users).toEqual([]);
      const slim = await list({ Filter: `preferred_username = "st${stamp}"`, AttributesToGet: ["email"] });
      expect(slim.Users![0]!.Attributes).toEqual([{ Name: "email", Value: email }]);
      const quoted = await list({ Filter: 'preferred_username = "say \\"hi\\""' });
      expect(quoted.Users).toEqual([]);
    });

    it("pages with Limit and PaginationToken: every match once, in a stable order, even when users go meanwhile", async () => {
      const stamp = Date.now();
      const subs: string[] = [];
      for (let i = 0; i < 5; i++) {
        subs.push((await signUp(newEmail(), PASSWORD, `pg${stamp}-${i}`)).UserSub!);
        pool.clock.advance(1);
      }
      const Filter = `preferred_username ^= "pg${stamp}-"`;
      const first = await list({ Filter, Limit: 2 });
      expect(first.Users!.map((u) => u.Username)).toEqual(subs.slice(0, 2));
      expect(first.PaginationToken).toEqual(expect.any(String));
      // The user the token points after is deleted: the chain goes on regardless.
      await pool.client.send(new AdminDeleteUserCommand({ UserPoolId: TEST_POOL_ID, Username: subs[1]! }));
      const second = await list({ Filter, Limit: 2, PaginationToken: first.PaginationToken! });
      expect(second.Users!.map((u) => u.Username)).toEqual(subs.slice(2, 4));
      const third = await list({ Filter, Limit: 2, PaginationToken: second.PaginationToken! });
      expect(third.Users!.map((u) => u.Username)).toEqual(subs.slice(4));
      expect(third.PaginationToken).toBeUndefined();
      // No Limit: a page of up to 60.
      expect((await list({ Filter })).Users).toHaveLength(4);
    });

    it("refuses what Cognito refuses: a malformed filter, an unsearchable attribute, a bad Limit or token, another pool", async () => {
      const refusals: Array<[Parameters<typeof list>[0], string, RegExp]> = [
        [{ Filter: "preferred_username = bob" }, "InvalidParameterException", /Error while parsing filter/],
        [{ Filter: 'preferred_username != "bob"' }, "InvalidParameterException", /Error while parsing filter/],
        [{ Filter: 'email = "a" and sub = "b"' }, "InvalidParameterException", /Error while parsing filter/],
        [{ Filter: 'custom:team = "x"' }, "InvalidParameterException", /Invalid search attribute: custom:team/],
        [{ Filter: 'email_verified = "true"' }, "InvalidParameterException", /Invalid search attribute/],
        [{ Limit: 61 }, "InvalidParameterException", /less than or equal to 60/],
        [{ PaginationToken: "garbage" }, "InvalidParameterException", /pagination token/],
        [{ Filter: `email ^= "${"x".repeat(300)}"` }, "InvalidParameterException", /length less than or equal to 256/],
      ];
      for (const [input, name, message] of refusals) {
        await expect(list(input), JSON.stringify(input)).rejects.toMatchObject({ name, message: expect.stringMatching(message) });
      }
      await expect(pool.client.send(new ListUsersCommand({ UserPoolId: "us-east-1_Elsewhere" }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    });
  });

  describe("the wire protocol", () => {
    it("answers errors as AWS JSON 1.1 does: 400, __type, message, x-amzn-ErrorType", async () => {
      const post = (target: string | undefined, body: string, extra: Record<string, string> = {}) =>
        fetch(`${pool.cognito.endpoint}/`, {
          method: "POST",
          headers: { "content-type": "application/x-amz-json-1.1", ...(target ? { "x-amz-target": target } : {}), ...extra },
          body,
        });
      const bad = await post("AWSCognitoIdentityProviderService.SignUp", JSON.stringify({ ClientId: TEST_CLIENT_ID, Username: "x", Password: PASSWORD }));
      expect(bad.status).toBe(400);
      expect(bad.headers.get("content-type")).toBe("application/x-amz-json-1.1");
      expect(bad.headers.get("x-amzn-errortype")).toBe("InvalidParameterException");
      expect(bad.headers.get("x-amzn-requestid")).toMatch(UUID_V4);
      expect(await bad.json()).toEqual({ __type: "InvalidParameterException", message: "Username should be an email." });

      expect(await (await post("AWSCognitoIdentityProviderService.CreateUserPool", "{}")).json()).toMatchObject({ __type: "UnknownOperationException" });
      expect(await (await post(undefined, "{}")).json()).toMatchObject({ __type: "UnknownOperationException" });
      expect(await (await post("AWSCognitoIdentityProviderService.toString", "{}")).json()).toMatchObject({ __type: "UnknownOperationException" });
      expect(await (await post("AWSCognitoIdentityProviderService.SignUp", "{not json")).json()).toMatchObject({ __type: "SerializationException" });
      // Admin operations are IAM-authorised: an unsigned request is refused.
      const unsigned = await post("AWSCognitoIdentityProviderService.AdminGetUser", JSON.stringify({ UserPoolId: TEST_POOL_ID, Username: "a@example.com" }));
      expect(await unsigned.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
      const unsignedList = await post("AWSCognitoIdentityProviderService.ListUsers", JSON.stringify({ UserPoolId: TEST_POOL_ID }));
      expect(await unsignedList.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
    });

    it("serves the JWKS where Cognito does, relative to the pool", async () => {
      const res = await fetch(`${pool.cognito.endpoint}/${TEST_POOL_ID}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(pool.cognito.jwks);
    });
  });
});

describe("local Cognito state across a restart", () => {
  let pool: TestPool;
  beforeEach(async () => {
    pool = await startTestPool();
  });
  afterEach(async () => {
    await pool.stop();
  });

  it("keeps users, sessions, revocations, the outbox and the signing key", async () => {
    const email = "persisted@example.com";
    await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD }));
    const code = pool.lastCode(email);
    await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: code }));
    const auth = (
      await pool.client.send(
        new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }),
      )
    ).AuthenticationResult!;
    const revoked = (
      await pool.client.send(
        new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }),
      )
    ).AuthenticationResult!;
    await pool.client.send(new RevokeTokenCommand({ ClientId: TEST_CLIENT_ID, Token: revoked.RefreshToken! }));
    const jwksBefore = pool.cognito.jwks;
    const outboxBefore = pool.cognito.outbox.messages();

    await pool.restart();

    expect(pool.cognito.jwks).toEqual(jwksBefore);
    expect(pool.cognito.userPoolId).toBe(TEST_POOL_ID);
    expect(pool.cognito.outbox.messages()).toEqual(outboxBefore);
    await pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }));
    await pool.client.send(new GetUserCommand({ AccessToken: auth.AccessToken! }));
    await pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! } }));
    await expect(
      pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: revoked.RefreshToken! } })),
    ).rejects.toMatchObject({ message: "Refresh Token has been revoked" });
    await expect(pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD }))).rejects.toMatchObject({ name: "UsernameExistsException" });
  });

  it("stores no password, refresh token or private key in the clear, and keeps the files private", async () => {
    const email = "secret@example.com";
    await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD }));
    await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: pool.lastCode(email) }));
    const auth = (
      await pool.client.send(
        new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }),
      )
    ).AuthenticationResult!;
    const state = await readFile(join(pool.dataDir, "cognito.json"), "utf8");
    expect(state).not.toContain(PASSWORD);
    expect(state).not.toContain(auth.RefreshToken!);
    expect(state).toContain('"passwordHash":"scrypt$16384$8$1$');
    expect(state).not.toContain('"d":');
    for (const file of ["cognito.json", "cognito-signing-key.json"]) {
      expect((await stat(join(pool.dataDir, file))).mode & 0o077).toBe(0);
    }
  });

  it("with preferredUsernameSignIn off, behaves as AWS does for the Auth stack's pool (email only)", async () => {
    const strict = await startTestPool({ preferredUsernameSignIn: false });
    try {
      const email = "strict@example.com";
      const attrs = [{ Name: "preferred_username", Value: "strictnick" }];
      await strict.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD, UserAttributes: attrs }));
      await strict.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: strict.lastCode(email) }));
      // Not an alias: not unique, and no sign-in with it.
      await strict.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: "other@example.com", Password: PASSWORD, UserAttributes: attrs }));
      const byName = new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "strictnick", PASSWORD } });
      await expect(strict.client.send(byName)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
      await strict.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }));
    } finally {
      await strict.stop();
    }
  });

  it("refuses to open a data directory that holds another pool", async () => {
    const { startLocalCognito } = await import("./cognito-server");
    await expect(startLocalCognito({ iam: testIam(), dataDir: pool.dataDir, region: "us-east-1", userPoolId: "us-east-1_OtherPool", clientId: TEST_CLIENT_ID })).rejects.toThrow(
      /holds userPoolId us-east-1_LocalTest/,
    );
  });

  it("generates Cognito-shaped ids when none are given, and keeps them", async () => {
    const { startLocalCognito } = await import("./cognito-server");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "local-cognito-ids-"));
    try {
      const first = await startLocalCognito({ iam: testIam(), dataDir: dir, region: "eu-west-2" });
      expect(first.userPoolId).toMatch(/^eu-west-2_[A-Za-z0-9]{9}$/);
      expect(first.clientId).toMatch(/^[a-z0-9]{26}$/);
      await first.close();
      const second = await startLocalCognito({ iam: testIam(), dataDir: dir, region: "eu-west-2" });
      expect([second.userPoolId, second.clientId]).toEqual([first.userPoolId, first.clientId]);
      expect(second.jwks).toEqual(first.jwks);
      await second.close();
      await expect(startLocalCognito({ iam: testIam(), dataDir: dir, region: "eu-west-2", userPoolId: "local_abc" })).rejects.toThrow(/must look like Cognito's/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
