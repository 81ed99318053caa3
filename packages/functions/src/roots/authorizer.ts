import type { TokenRevocations } from "@media/core/sessions";
import { createAccessTokenVerifier } from "../access-token";
import { createDynamoSessionCutoffs } from "../adapters/dynamo-session-cutoffs";
import type { AuthorizerDeps } from "../authorizer";
import { parseAuthorizerConfig } from "../config";
import { dynamoClient } from "./clients/dynamo";
import { onFirstUse } from "./on-first-use";

/**
 * The composition root of the authorizer, which runs before every protected request: the token
 * verifier and the read of the user's session cut, through the plain DynamoDB client. The configuration
 * is parsed and the keys loaded at cold start.
 *
 * Cognito is asked only about a token signed in during its cut's own second (sessions.ts), so its
 * client is imported at that first question, not at cold start: the bundle keeps it in a chunk of its
 * own (code splitting, stacks/lambda.ts) that most instances never load.
 */
export async function buildAuthorizerDeps(env: NodeJS.ProcessEnv): Promise<AuthorizerDeps> {
  const cfg = parseAuthorizerConfig(env);
  return {
    verifier: await createAccessTokenVerifier(cfg),
    // One command type, sent on every protected request: its middleware stack is resolved once, not per call.
    cutoffs: createDynamoSessionCutoffs({ client: dynamoClient(cfg.region, { cacheMiddleware: true }), tableName: cfg.tableName }),
    revocations: cognitoRevocationsOnDemand(cfg.region),
  };
}

function cognitoRevocationsOnDemand(region: string): TokenRevocations {
  const revocations = onFirstUse(async (): Promise<TokenRevocations> => {
    const [{ createCognitoTokenRevocations }, { cognitoClient }] = await Promise.all([import("../adapters/cognito-token-revocations"), import("./clients/cognito")]);
    return createCognitoTokenRevocations({ client: cognitoClient(region) });
  });
  return { isRevoked: async (accessToken, jti, cutoffMs) => (await revocations()).isRevoked(accessToken, jti, cutoffMs) };
}
