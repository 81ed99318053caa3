import { GetUserCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { TokenRevocations } from "@media/core/sessions";

/**
 * Whether Cognito signed an access token's session out, asked the one way Cognito tells: GetUser with
 * the token, a public call authorized by the token itself (no IAM). The token was verified before it
 * gets here, so a NotAuthorizedException means revoked (or expired in between): refused either way.
 * Anything else (Cognito unreachable, throttling) is thrown, for the authorizer to fail on.
 *
 * An answer holds for one token and one cut: a later logout writes a later cut, which is asked about
 * anew. So answers are kept by token id and cut, a bounded number of them (oldest dropped first), and a
 * token signed in during its cut's second costs one call per authorizer instance, not one per request.
 */
const KEEP = 10_000;

export function createCognitoTokenRevocations({ client }: { client: CognitoIdentityProviderClient }): TokenRevocations {
  const answers = new Map<string, boolean>();
  async function ask(accessToken: string): Promise<boolean> {
    try {
      await client.send(new GetUserCommand({ AccessToken: accessToken }));
      return false;
    } catch (error) {
      if (error instanceof Error && error.name === "NotAuthorizedException") return true;
      throw error;
    }
  }
  return {
    async isRevoked(accessToken, jti, cutoffMs) {
      const key = `${jti} ${cutoffMs}`;
      const known = answers.get(key);
      if (known !== undefined) return known;
      const revoked = await ask(accessToken);
      if (answers.size >= KEEP) answers.delete(answers.keys().next().value!);
      answers.set(key, revoked);
      return revoked;
    },
  };
}
