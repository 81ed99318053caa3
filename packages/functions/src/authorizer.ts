import { CognitoJwtVerifier } from "aws-jwt-verify";
import type { JwksCache } from "aws-jwt-verify/jwk";
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult, Context } from "aws-lambda";
import { config } from "./config";
import { log } from "./log";

export interface AuthorizerResultContext {
  userId: string;
  [key: string]: string;
}

function createVerifier() {
  const cfg = config();
  // Access tokens only, for our app client only: an id token or another client's token is refused.
  return CognitoJwtVerifier.create({ userPoolId: cfg.userPoolId, tokenUse: "access", clientId: cfg.userPoolClientId });
}
type Verifier = ReturnType<typeof createVerifier>;

async function loadVerifier(): Promise<Verifier> {
  const verifier = createVerifier();
  const jwksJson = config().jwksJson;
  // The Cognito verifier derives the JWKS URL from the issuer; where that host is not reachable (the
  // local runtime) the keys are handed over instead. The issuer is checked either way.
  if (jwksJson) verifier.cacheJwks(JSON.parse(jwksJson) as Parameters<JwksCache["addJwks"]>[1]);
  else await verifier.hydrate();
  return verifier;
}

let pending: Promise<Verifier> | undefined;
function verifier(): Promise<Verifier> {
  pending ??= loadVerifier().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}
// Fetch the JWKS during initialisation rather than on the first request (about a second on a cold start).
verifier().catch(() => undefined);

/** HTTP API Lambda authorizer, payload 2.0 with simple responses: the routes get the caller's `sub`. */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
  context?: Context,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerResultContext | Record<string, never>>> {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0] ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return { isAuthorized: false, context: {} };
  try {
    const payload = await (await verifier()).verify(match[1]!);
    return { isAuthorized: true, context: { userId: payload.sub } };
  } catch (error) {
    // An invalid token is the caller's problem: log the reason, never the token.
    log.info("token refused", {
      requestId: event.requestContext?.requestId,
      awsRequestId: context?.awsRequestId,
      reason: error instanceof Error ? error.name : "unknown",
    });
    return { isAuthorized: false, context: {} };
  }
}
