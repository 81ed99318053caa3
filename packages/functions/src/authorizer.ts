import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult, Context } from "aws-lambda";
import { sessionState, type SessionCutoffs, type TokenRevocations } from "@media/core/sessions";
import { isTokenRefusal, type AccessTokenClaims, type AccessTokenVerifier } from "./access-token";
import { log } from "./log";
import { buildAuthorizerDeps } from "./roots/authorizer";

export interface AuthorizerResultContext {
  userId: string;
  [key: string]: string;
}

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerResultContext | Record<string, never>>;

export interface AuthorizerDeps {
  verifier: AccessTokenVerifier;
  /** When each user's sessions last ended (logout, password reset): older sign-ins are refused. */
  cutoffs: SessionCutoffs;
  /** Cognito's word on a token signed in during its cut's own second (sessions.ts). */
  revocations: TokenRevocations;
}

const DENY: AuthorizerResult = { isAuthorized: false, context: {} };

/**
 * HTTP API Lambda authorizer, payload 2.0 with simple responses: the routes get the caller's `sub`.
 * Only a bad token is refused. Anything else (a missing or malformed setting, the JWKS unreachable)
 * throws: the invocation fails, API Gateway answers 500 and the function's error alarm fires, where a
 * refusal would tell every user their token is bad and page nobody.
 *
 * Logout and password reset end sessions at once: the user's cut is read on every request (one
 * consistent GetItem; Cognito is asked only about a token signed in during the second of the cut,
 * sessions.ts), and API Gateway's own cache of answers is off (stacks/Api.ts), since it is keyed
 * by the Authorization header and cannot be told that a token died. The price is one authorizer
 * invocation and one read per request, where a cache would leave a logged-out token working for its TTL.
 */
export function createAuthorizer(deps: () => Promise<AuthorizerDeps>) {
  return async (event: APIGatewayRequestAuthorizerEventV2, context?: Context): Promise<AuthorizerResult> => {
    const scope = { requestId: event.requestContext?.requestId, awsRequestId: context?.awsRequestId };
    let ready: AuthorizerDeps;
    try {
      ready = await deps();
    } catch (error) {
      log.error("authorizer cannot start", { ...scope, error });
      throw error;
    }
    const header = event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0] ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return DENY;
    let claims: AccessTokenClaims;
    try {
      claims = await ready.verifier.verify(match[1]!);
    } catch (error) {
      if (!isTokenRefusal(error)) {
        log.error("token verification failed", { ...scope, error });
        throw error;
      }
      // An invalid token is the caller's problem: log the reason, never the token.
      log.info("token refused", { ...scope, reason: error instanceof Error ? error.name : "unknown" });
      return DENY;
    }
    // A failed read (or Cognito call) is the authorizer's failure (500), never a refusal.
    const cutoff = await ready.cutoffs.cutoff(claims.sub);
    const state = sessionState(claims.authTime, cutoff);
    const ended = state === "ended" || (state === "undecided" && (await ready.revocations.isRevoked(match[1]!, claims.jti, cutoff!)));
    if (ended) {
      log.info("token refused", { ...scope, reason: "SessionEnded", sub: claims.sub });
      return DENY;
    }
    return { isAuthorized: true, context: { userId: claims.sub } };
  };
}

/**
 * A configuration error stays (every invocation fails with it until the function is fixed); a failed
 * JWKS fetch is retried by the next invocation.
 */
let starting: Promise<AuthorizerDeps> | undefined;
function deps(): Promise<AuthorizerDeps> {
  starting ??= buildAuthorizerDeps(process.env).catch((error: unknown) => {
    starting = undefined;
    throw error;
  });
  return starting;
}
// Start during initialisation; a failure here is reported by the invocation that needs it.
deps().catch(() => undefined);

export const handler = createAuthorizer(deps);
