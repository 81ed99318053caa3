import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { clientCredentials } from "../../credentials";
import { traced } from "../../tracing";

/** The Cognito client of the user pool; see dynamo.ts for endpoints and credentials. */
export function cognitoClient(region: string): CognitoIdentityProviderClient {
  return traced(new CognitoIdentityProviderClient({ region, ...clientCredentials() }));
}
