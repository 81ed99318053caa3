import { createHash, randomBytes, randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { NotAuthorized } from "./cognito-errors";
import type { StoredSession, StoredUser } from "./user-pool-store";

/** Token lifetimes of the app client: Cognito's defaults for access and id tokens and for refresh tokens. */
export const ACCESS_TOKEN_SECONDS = 3600;
export const ID_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;

export interface TokenIssuer {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`, exactly as AWS writes it. */
  issuer: string;
  clientId: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export function cognitoIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/** The claims of a Cognito access token, in the order Cognito writes them. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  iss: string;
  client_id: string;
  origin_jti: string;
  event_id: string;
  token_use: "access";
  scope: string;
  auth_time: number;
  exp: number;
  iat: number;
  jti: string;
  username: string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function sign(payload: JWTPayload, signer: TokenIssuer): Promise<string> {
  // Cognito's header carries only `kid` and `alg`.
  return new SignJWT(payload).setProtectedHeader({ kid: signer.kid, alg: "RS256" }).sign(signer.privateKey);
}

/**
 * Mints the access and id tokens of one authentication event (a sign-in or a refresh), with the claims
 * Cognito puts in them for an email-username pool: `username` and `cognito:username` are the generated
 * username, which is the `sub`.
 */
export async function mintTokens(signer: TokenIssuer, user: StoredUser, session: StoredSession, now: number) {
  const iat = seconds(now);
  const eventId = randomUUID();
  const access: AccessTokenClaims = {
    sub: user.sub,
    iss: signer.issuer,
    client_id: session.clientId,
    origin_jti: session.originJti,
    event_id: eventId,
    token_use: "access",
    scope: "aws.cognito.signin.user.admin",
    auth_time: session.authTime,
    exp: iat + ACCESS_TOKEN_SECONDS,
    iat,
    jti: randomUUID(),
    username: user.sub,
  };
  const id: JWTPayload = {
    sub: user.sub,
    email_verified: user.emailVerified,
    iss: signer.issuer,
    "cognito:username": user.sub,
    ...(user.preferredUsername ? { preferred_username: user.preferredUsername } : {}),
    origin_jti: session.originJti,
    aud: session.clientId,
    event_id: eventId,
    token_use: "id",
    auth_time: session.authTime,
    exp: iat + ID_TOKEN_SECONDS,
    iat,
    jti: randomUUID(),
    email: user.email,
  };
  return { accessToken: await sign(access, signer), idToken: await sign(id, signer), expiresIn: ACCESS_TOKEN_SECONDS };
}

/**
 * Checks an access token presented to the pool's own API (GetUser, GlobalSignOut) the way Cognito does:
 * signature, issuer, expiry, token use and client. Revocation is the caller's check, on `origin_jti`.
 */
export async function verifyAccessToken(signer: TokenIssuer, token: string, now: number): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(token, signer.publicKey, {
      issuer: signer.issuer,
      algorithms: ["RS256"],
      currentDate: new Date(now),
      clockTolerance: 0,
    });
    if (payload.token_use !== "access" || payload.client_id !== signer.clientId || typeof payload.origin_jti !== "string" || typeof payload.sub !== "string") {
      throw NotAuthorized("Invalid Access Token");
    }
    return payload as AccessTokenClaims;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw NotAuthorized("Access Token has expired");
    throw NotAuthorized("Invalid Access Token");
  }
}

/**
 * Refresh tokens are opaque to clients (Cognito's are encrypted JWTs): 64 random bytes here. Only their
 * SHA-256 is stored: they carry 512 bits of entropy, so a fast hash is enough to make a leaked state
 * file useless for signing in.
 */
export function newRefreshToken(): string {
  return randomBytes(64).toString("base64url");
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}
