import { randomUUID } from "node:crypto";
import { ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtExpiredError,
  JwtInvalidSignatureError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import { decodeJwt, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrCreateSigningKey } from "./signing-key";
import { TEST_CLIENT_ID, TEST_POOL_ID, startTestPool, type TestPool } from "@media/testing/local-cognito-pool";
import { cognitoIssuer, mintTokens, type TokenIssuer } from "./tokens";
import type { StoredSession, StoredUser } from "./user-pool-store";

/**
 * The authorizer's verifier, built exactly as on AWS (DESIGN.md section 8), with only its key loading
 * changed: `cacheJwks(localJwks)` instead of `hydrate()`. It must accept what the local pool mints and
 * refuse everything it would refuse from Cognito.
 */
describe("aws-jwt-verify's CognitoJwtVerifier against locally minted tokens", () => {
  let pool: TestPool;
  let accessToken: string;
  let idToken: string;
  let signer: TokenIssuer;
  let user: StoredUser;
  const verifier = CognitoJwtVerifier.create({ userPoolId: TEST_POOL_ID, tokenUse: "access", clientId: TEST_CLIENT_ID });

  /** A token minted with the pool's own key (or another), for the cases the pool itself never mints. */
  async function mint(options: { clientId?: string; now?: number; signer?: TokenIssuer } = {}) {
    const session: StoredSession = {
      originJti: randomUUID(),
      sub: user.sub,
      clientId: options.clientId ?? TEST_CLIENT_ID,
      refreshTokenHash: "unused",
      authTime: Math.floor((options.now ?? Date.now()) / 1000),
      expiresAt: (options.now ?? Date.now()) + 3600_000,
    };
    return mintTokens(options.signer ?? signer, user, session, options.now ?? Date.now());
  }

  beforeAll(async () => {
    pool = await startTestPool();
    const email = "verified@example.com";
    const password = "Correct-Horse-9";
    const { UserSub } = await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: password }));
    await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: pool.lastCode(email) }));
    const auth = await pool.client.send(
      new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }),
    );
    accessToken = auth.AuthenticationResult!.AccessToken!;
    idToken = auth.AuthenticationResult!.IdToken!;
    const key = await loadOrCreateSigningKey(pool.dataDir);
    signer = { issuer: pool.cognito.issuer, clientId: TEST_CLIENT_ID, kid: key.kid, privateKey: key.privateKey, publicKey: key.publicKey };
    user = { sub: UserSub!, email, emailVerified: true, passwordHash: "", status: "CONFIRMED", createdAt: 0, updatedAt: 0 };
    verifier.cacheJwks(pool.cognito.jwks);
  });
  afterAll(async () => {
    await pool.stop();
  });

  it("verifies an access token from the local pool, with the issuer checked", async () => {
    expect(pool.cognito.issuer).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${TEST_POOL_ID}`);
    const payload = await verifier.verify(accessToken);
    expect(payload).toMatchObject({ sub: user.sub, token_use: "access", client_id: TEST_CLIENT_ID, iss: pool.cognito.issuer });
    expect(verifier.verifySync(accessToken).sub).toBe(user.sub);
  });

  it("refuses the id token (tokenUse: access)", async () => {
    await expect(verifier.verify(idToken)).rejects.toBeInstanceOf(CognitoJwtInvalidTokenUseError);
  });

  it("refuses a token minted for another app client", async () => {
    const { accessToken: other } = await mint({ clientId: "someotherappclient123456789" });
    expect(decodeJwt(other).client_id).toBe("someotherappclient123456789");
    await expect(verifier.verify(other)).rejects.toBeInstanceOf(CognitoJwtInvalidClientIdError);
  });

  it("refuses an expired token", async () => {
    const { accessToken: old } = await mint({ now: Date.now() - 2 * 3600_000 });
    await expect(verifier.verify(old)).rejects.toBeInstanceOf(JwtExpiredError);
  });

  it("refuses a token signed with another key, under the pool's kid or another", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
    const forged = await mint({ signer: { ...signer, privateKey, publicKey } });
    await expect(verifier.verify(forged.accessToken)).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    // An unknown kid: verifySync answers from the cached JWKS only (verify would try to download it).
    const unknownKid = await mint({ signer: { ...signer, privateKey, publicKey, kid: "attacker-key" } });
    expect(() => verifier.verifySync(unknownKid.accessToken)).toThrow(KidNotFoundInJwksError);
  });

  it("refuses a tampered token", async () => {
    const [header, payload, signature] = accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString("base64url");
    await expect(verifier.verify(`${header}.${tampered}.${signature}`)).rejects.toBeInstanceOf(JwtInvalidSignatureError);
  });

  it("refuses a token with cognito-local's kind of issuer, even when signed by the pool's key", async () => {
    const { accessToken: local } = await mint({ signer: { ...signer, issuer: `http://localhost:9229/${TEST_POOL_ID}` } });
    await expect(verifier.verify(local)).rejects.toThrow(/issuer not configured/);
    expect(cognitoIssuer("us-east-1", TEST_POOL_ID)).toBe(pool.cognito.issuer);
  });
});
