import { CognitoJwtVerifier } from "aws-jwt-verify";
import {
  JwtInvalidClaimError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { AuthorizerConfig, Jwks } from "./config";

/** The claims of a verified Cognito access token that authorization reads. */
export interface AccessTokenClaims {
  sub: string;
  /** When the user signed in (epoch seconds); refreshed tokens keep it. */
  authTime: number;
  /** This token's own id. */
  jti: string;
}

export interface AccessTokenVerifier {
  /** The token's claims; throws when the token is bad (see `isTokenRefusal`) or when verifying failed. */
  verify(token: string): Promise<AccessTokenClaims>;
}

/**
 * Builds the verifier exactly as on AWS (DESIGN.md section 8) and loads its keys before it is used: on
 * AWS from Cognito's JWKS URL (about a second, so at cold start rather than on the first request),
 * locally from the keys in the configuration, served by a fetcher instead of the network. The Cognito
 * verifier derives the JWKS URL from the issuer and ignores `jwksUri`, so the fetcher is the one way to
 * hand it keys such that a token with an unknown `kid` is still refused as on AWS (a re-fetch that finds
 * no such key) rather than failing on an unreachable Cognito host. `fetcher` is for tests.
 */
export async function createAccessTokenVerifier(cfg: AuthorizerConfig, fetcher?: Fetcher): Promise<AccessTokenVerifier> {
  const keys = fetcher ?? (cfg.jwks ? staticJwks(cfg.jwks) : undefined);
  const props = { userPoolId: cfg.userPoolId, tokenUse: "access", clientId: cfg.userPoolClientId } as const;
  // Access tokens only, for our app client only: an id token or another client's token is refused.
  const verifier = keys ? CognitoJwtVerifier.create(props, { jwksCache: new SimpleJwksCache({ fetcher: keys }) }) : CognitoJwtVerifier.create(props);
  await verifier.hydrate();
  return {
    async verify(token) {
      const payload = await verifier.verify(token);
      return { sub: payload.sub, authTime: payload.auth_time, jti: payload.jti };
    },
  };
}

function staticJwks(jwks: Jwks): Fetcher {
  const body = new TextEncoder().encode(JSON.stringify(jwks));
  return { fetch: async () => body.slice().buffer };
}

/**
 * Whether a verification error is the token's fault: malformed, badly signed, signed by a key the pool
 * does not have, expired, or for another issuer, client or use. Anything else (the JWKS unreachable or
 * invalid, a bug) is the authorizer's own failure and must fail the invocation, so API Gateway answers
 * 500 and the error alarm fires, instead of every user being told their token is bad.
 */
export function isTokenRefusal(error: unknown): boolean {
  return [
    JwtParseError,
    JwtInvalidSignatureError,
    JwtInvalidSignatureAlgorithmError,
    JwtInvalidClaimError,
    JwtWithoutValidKidError,
    KidNotFoundInJwksError,
    // After an unknown kid the verifier refuses to re-fetch the JWKS for a while: still that token's fault.
    WaitPeriodNotYetEndedJwkError,
  ].some((kind) => error instanceof kind);
}
