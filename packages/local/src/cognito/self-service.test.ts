import {
  AssociateSoftwareTokenCommand,
  ChangePasswordCommand,
  ConfirmSignUpCommand,
  DeleteUserCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  VerifySoftwareTokenCommand,
  VerifyUserAttributeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MFA_SESSION_MS } from "./mfa-challenges";
import { TEST_CLIENT_ID, startTestPool, type TestPool } from "@media/testing/local-cognito-pool";

const PASSWORD = "Correct-Horse-9";
let n = 0;
const newEmail = () => `self${++n}@example.com`;

/** The account operations a signed-in user calls with their own token, through the real SDK client. */
describe("local Cognito: a user's own account", () => {
  let pool: TestPool;
  beforeAll(async () => {
    pool = await startTestPool({ preferredUsernameSignIn: false });
  });
  afterAll(async () => {
    await pool.stop();
  });

  const login = (email: string, password = PASSWORD) =>
    pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }));
  const code = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(pool.clock.now / 1000) + 30 * steps });
  const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail("expected a refusal"), (error: Error) => ({ name: error.name, message: error.message }));

  async function signedIn() {
    const email = newEmail();
    await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD, UserAttributes: [{ Name: "email", Value: email }] }));
    await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: pool.lastCode(email) }));
    const out = await login(email);
    return { email, accessToken: out.AuthenticationResult!.AccessToken! };
  }

  async function withMfa() {
    const user = await signedIn();
    const { SecretCode } = await pool.client.send(new AssociateSoftwareTokenCommand({ AccessToken: user.accessToken }));
    const verified = await pool.client.send(new VerifySoftwareTokenCommand({ AccessToken: user.accessToken, UserCode: await code(SecretCode!) }));
    expect(verified.Status).toBe("SUCCESS");
    await pool.client.send(new SetUserMFAPreferenceCommand({ AccessToken: user.accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    return { ...user, secret: SecretCode! };
  }

  it("ChangePassword checks the previous password and the policy", async () => {
    const user = await signedIn();
    expect(await failure(pool.client.send(new ChangePasswordCommand({ AccessToken: user.accessToken, PreviousPassword: "Wrong-Horse-9", ProposedPassword: "New-Horse-99" })))).toMatchObject({ name: "NotAuthorizedException" });
    expect(await failure(pool.client.send(new ChangePasswordCommand({ AccessToken: user.accessToken, PreviousPassword: PASSWORD, ProposedPassword: "short" })))).toMatchObject({ name: "InvalidPasswordException" });
    await pool.client.send(new ChangePasswordCommand({ AccessToken: user.accessToken, PreviousPassword: PASSWORD, ProposedPassword: "New-Horse-99" }));
    expect(await failure(login(user.email))).toMatchObject({ name: "NotAuthorizedException" });
    expect((await login(user.email, "New-Horse-99")).AuthenticationResult?.AccessToken).toEqual(expect.any(String));
  });

  it("TOTP: enabling needs a verified token; sign-in then answers SOFTWARE_TOKEN_MFA with a 3-minute session", async () => {
    const user = await signedIn();
    const { SecretCode } = await pool.client.send(new AssociateSoftwareTokenCommand({ AccessToken: user.accessToken }));
    expect(SecretCode).toMatch(/^[A-Z2-7]{32}$/);
    expect(await failure(pool.client.send(new SetUserMFAPreferenceCommand({ AccessToken: user.accessToken, SoftwareTokenMfaSettings: { Enabled: true } })))).toMatchObject({
      name: "InvalidParameterException",
    });
    expect(await failure(pool.client.send(new VerifySoftwareTokenCommand({ AccessToken: user.accessToken, UserCode: (await code(SecretCode!)) === "000000" ? "111111" : "000000" })))).toMatchObject({
      name: "EnableSoftwareTokenMFAException",
    });
    await pool.client.send(new VerifySoftwareTokenCommand({ AccessToken: user.accessToken, UserCode: await code(SecretCode!) }));
    // Verified but not yet enabled: sign-in is unchanged.
    expect((await login(user.email)).AuthenticationResult).toBeDefined();
    await pool.client.send(new SetUserMFAPreferenceCommand({ AccessToken: user.accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    expect((await pool.client.send(new GetUserCommand({ AccessToken: user.accessToken }))).UserMFASettingList).toEqual(["SOFTWARE_TOKEN_MFA"]);

    const challenge = await login(user.email);
    expect(challenge).toMatchObject({ ChallengeName: "SOFTWARE_TOKEN_MFA", Session: expect.any(String), ChallengeParameters: { USER_ID_FOR_SRP: expect.any(String) } });
    expect(challenge.AuthenticationResult).toBeUndefined();
    const respond = (session: string, userCode: string, username = challenge.ChallengeParameters!.USER_ID_FOR_SRP!) =>
      pool.client.send(
        new RespondToAuthChallengeCommand({ ClientId: TEST_CLIENT_ID, ChallengeName: "SOFTWARE_TOKEN_MFA", Session: session, ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: userCode } }),
      );
    // The code that verified the token was used once already.
    expect(await failure(respond(challenge.Session!, await code(SecretCode!)))).toMatchObject({ name: "ExpiredCodeException" });
    pool.clock.advance(30_000);
    expect(await failure(respond(challenge.Session!, await code(SecretCode!), "someone-else"))).toMatchObject({ name: "NotAuthorizedException" });
    const tokens = await respond(challenge.Session!, await code(SecretCode!));
    expect(tokens.AuthenticationResult?.RefreshToken).toEqual(expect.any(String));
    // An answered session is over.
    pool.clock.advance(30_000);
    expect(await failure(respond(challenge.Session!, await code(SecretCode!)))).toMatchObject({ name: "NotAuthorizedException" });

    const late = await login(user.email);
    pool.clock.advance(MFA_SESSION_MS);
    expect(await failure(respond(late.Session!, await code(SecretCode!)))).toMatchObject({ name: "NotAuthorizedException", message: "Invalid session for the user, session is expired." });
  });

  it("wrong TOTP codes spend the account's budget of wrong codes (5 an hour), the right one then waits too", async () => {
    const user = await withMfa();
    const { Session } = await login(user.email);
    const wrong = (await code(user.secret, 1)) === "000000" ? "111111" : "000000";
    const respond = (userCode: string) =>
      pool.client.send(new RespondToAuthChallengeCommand({ ClientId: TEST_CLIENT_ID, ChallengeName: "SOFTWARE_TOKEN_MFA", Session, ChallengeResponses: { USERNAME: user.email, SOFTWARE_TOKEN_MFA_CODE: userCode } }));
    for (let i = 0; i < 5; i++) expect(await failure(respond(wrong))).toMatchObject({ name: "CodeMismatchException" });
    pool.clock.advance(30_000);
    expect(await failure(respond(await code(user.secret)))).toMatchObject({ name: "LimitExceededException" });
  });

  it("DeleteUser removes the account and its sessions; the MFA state survives a restart", async () => {
    const user = await withMfa();
    await pool.restart();
    expect((await login(user.email)).ChallengeName).toBe("SOFTWARE_TOKEN_MFA");
    await pool.client.send(new DeleteUserCommand({ AccessToken: user.accessToken }));
    expect(await failure(login(user.email))).toMatchObject({ name: "NotAuthorizedException" });
    expect(await failure(pool.client.send(new GetUserCommand({ AccessToken: user.accessToken })))).toMatchObject({ name: "NotAuthorizedException" });
  });
});

describe("local Cognito: changing the email", () => {
  let pool: TestPool;
  beforeAll(async () => {
    pool = await startTestPool({ preferredUsernameSignIn: false });
  });
  afterAll(async () => {
    await pool.stop();
  });
  const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail("expected a refusal"), (error: Error) => ({ name: error.name, message: error.message }));

  async function signedIn(email: string) {
    await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: PASSWORD, UserAttributes: [{ Name: "email", Value: email }] }));
    await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: pool.lastCode(email) }));
    const out = await pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: PASSWORD } }));
    return out.AuthenticationResult!.AccessToken!;
  }
  const login = (email: string) =>
    pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: PASSWORD } }));

  it("sends a code to the new address, keeps the old one for sign-in until it is verified, refuses a taken address", async () => {
    const token = await signedIn("old@example.com");
    await signedIn("taken@example.com");
    expect(await failure(pool.client.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: "email", Value: "taken@example.com" }] })))).toMatchObject({ name: "AliasExistsException" });
    const out = await pool.client.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: "email", Value: "New@Example.com" }] }));
    expect(out.CodeDeliveryDetailsList).toEqual([{ Destination: "n***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" }]);
    expect((await login("old@example.com")).AuthenticationResult).toBeDefined();
    expect(await failure(login("new@example.com"))).toMatchObject({ name: "NotAuthorizedException" });
    expect(await failure(pool.client.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: "email", Code: "000000" === pool.lastCode("new@example.com") ? "111111" : "000000" })))).toMatchObject({
      name: "CodeMismatchException",
    });
    await pool.client.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: "email", Code: pool.lastCode("new@example.com") }));
    expect((await login("new@example.com")).AuthenticationResult).toBeDefined();
    expect(await failure(login("old@example.com"))).toMatchObject({ name: "NotAuthorizedException" });
    const user = await pool.client.send(new GetUserCommand({ AccessToken: token }));
    expect(user.UserAttributes).toContainEqual({ Name: "email", Value: "new@example.com" });
  });
});
