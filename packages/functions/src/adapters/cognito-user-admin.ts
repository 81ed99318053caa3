import { AdminDeleteUserCommand, AdminGetUserCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { UserAccounts } from "@media/core/purge";

/**
 * Accounts by their sub, for the operator's `npm run purge-user` (IAM-authorised admin calls,
 * `cognito-idp:AdminGetUser` and `cognito-idp:AdminDeleteUser` on the pool; no function is granted them).
 * Cognito takes the sub as the Username of admin calls (in a pool whose sign-in name is the email, the
 * username is the sub), so no ListUsers lookup is needed. A user who is already gone is not an error.
 */
export function createCognitoUserAdmin({ client, userPoolId }: { client: CognitoIdentityProviderClient; userPoolId: string }): UserAccounts {
  /** True once the call succeeded; false if the user is not (or no longer) in the pool. */
  const whileThere = async (call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === "UserNotFoundException") return false;
      throw error;
    }
  };
  return {
    accountExists: (userId) => whileThere(() => client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: userId }))),
    deleteAccount: (userId) => whileThere(() => client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: userId }))),
  };
}
