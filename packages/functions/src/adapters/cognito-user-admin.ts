import { AdminDeleteUserCommand, AdminGetUserCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { UserAccounts } from "@media/core/purge";

/**
 * Accounts by their sub, for the operator's `npm run purge-user` (IAM-authorised admin calls,
 * `cognito-idp:AdminGetUser` and `cognito-idp:AdminDeleteUser` on the pool; no function is granted them).
 * Cognito takes the sub as the Username of admin calls (in a pool whose sign-in name is the email, the
 * username is the sub), so no ListUsers lookup is needed. A user who is already gone is not an error.
 */
export function createCognitoUserAdmin({ client, userPoolId }: { client: CognitoIdentityProviderClient; userPoolId: string }): UserAccounts {
  const gone = (error: unknown) => error instanceof Error && error.name === "UserNotFoundException";
  return {
    async accountExists(userId) {
      try {
        await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: userId }));
        return true;
      } catch (error) {
        if (gone(error)) return false;
        throw error;
      }
    },
    async deleteAccount(userId) {
      try {
        await client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: userId }));
        return true;
      } catch (error) {
        if (gone(error)) return false;
        throw error;
      }
    },
  };
}
