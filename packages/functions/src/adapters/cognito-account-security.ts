import {
  AssociateSoftwareTokenCommand,
  ChangePasswordCommand,
  DeleteUserCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
  VerifySoftwareTokenCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { AccountSecurity } from "@media/core/account-security";
import { invalidSession } from "@media/core/mfa-session";
import { AppError, ConflictError, InternalError, UnauthorizedError, ValidationError } from "@media/core/errors";
import { tokensFrom } from "./cognito-accounts";
import { cognitoName, toAppError } from "./cognito-app-errors";

/**
 * The AccountSecurity port over Cognito's public API: every call is authorized by the user's own access
 * token (or, for the MFA answer, the sign-in's session), so none needs an IAM grant. Cognito's
 * refusals become the catalogue's errors with messages for people.
 */
const WRONG_TOTP = "The code is not right. Check the time on your phone and try the current code.";

export function createCognitoAccountSecurity({ client, clientId }: { client: CognitoIdentityProviderClient; clientId: string }): AccountSecurity {
  async function send<T>(call: Promise<T>, map: (error: unknown) => AppError | undefined = () => undefined): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw map(error) ?? totpError(error) ?? toAppError(error);
    }
  }

  return {
    async changePassword(accessToken, currentPassword, newPassword) {
      await send(client.send(new ChangePasswordCommand({ AccessToken: accessToken, PreviousPassword: currentPassword, ProposedPassword: newPassword })));
    },

    async signOutEverywhere(accessToken) {
      try {
        await client.send(new GlobalSignOutCommand({ AccessToken: accessToken }));
      } catch (error) {
        // Already signed out everywhere (a repeated request): what was asked holds.
        if (cognitoName(error) === "NotAuthorizedException" && /revoked/i.test(messageOf(error))) return;
        throw totpError(error) ?? toAppError(error);
      }
    },

    async associateTotp(accessToken) {
      const out = await send(client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken })));
      if (!out.SecretCode) throw new InternalError(undefined, { cause: new Error("AssociateSoftwareToken answered without a SecretCode") });
      return { secret: out.SecretCode };
    },

    async verifyTotp(accessToken, code) {
      const out = await send(client.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code })), (error) =>
        cognitoName(error) === "InvalidParameterException" ? new ConflictError("Set up the authenticator app first (POST /me/mfa/totp).", { code: "MfaNotSetUp", cause: error }) : undefined,
      );
      if (out.Status !== "SUCCESS") throw new ValidationError(WRONG_TOTP, { code: "InvalidCode" });
    },

    async setTotpMfa(accessToken, enabled) {
      await send(
        client.send(
          new SetUserMFAPreferenceCommand({ AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled } }),
        ),
      );
    },

    async totpEnabled(accessToken) {
      const out = await send(client.send(new GetUserCommand({ AccessToken: accessToken })));
      return (out.UserMFASettingList ?? []).includes("SOFTWARE_TOKEN_MFA");
    },

    async answerMfa(username, session, code) {
      const out = await send(
        client.send(
          new RespondToAuthChallengeCommand({
            ClientId: clientId,
            ChallengeName: "SOFTWARE_TOKEN_MFA",
            Session: session,
            ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
          }),
        ),
        (error) => (cognitoName(error) === "NotAuthorizedException" ? invalidSession(error) : undefined),
      );
      if (!out.AuthenticationResult) throw new InternalError(undefined, { cause: new Error(`RespondToAuthChallenge answered ${out.ChallengeName ?? "nothing"}`) });
      return tokensFrom(out.AuthenticationResult, true);
    },

    async requestEmailChange(accessToken, email) {
      await send(client.send(new UpdateUserAttributesCommand({ AccessToken: accessToken, UserAttributes: [{ Name: "email", Value: email }] })), (error) =>
        cognitoName(error) === "AliasExistsException" ? new ConflictError("Another account uses this email.", { code: "EmailTaken", cause: error }) : undefined,
      );
    },

    async confirmEmailChange(accessToken, code) {
      await send(client.send(new VerifyUserAttributeCommand({ AccessToken: accessToken, AttributeName: "email", Code: code })), (error) => {
        const name = cognitoName(error);
        if (name === "AliasExistsException") return new ConflictError("Another account uses this email.", { code: "EmailTaken", cause: error });
        // The email's own wording, not the authenticator app's.
        if (name === "CodeMismatchException" || name === "ExpiredCodeException") return toAppError(error);
        return undefined;
      });
    },

    async deleteSelf(accessToken) {
      await send(client.send(new DeleteUserCommand({ AccessToken: accessToken })), (error) =>
        cognitoName(error) === "NotAuthorizedException" ? new UnauthorizedError("The sign-in has ended; log in again.", { code: "InvalidToken", cause: error }) : undefined,
      );
    },
  };
}

/** The TOTP refusals, which toAppError (written for emailed codes) would word for an email. */
function totpError(error: unknown): AppError | undefined {
  switch (cognitoName(error)) {
    case "EnableSoftwareTokenMFAException":
    case "CodeMismatchException":
      return new ValidationError(WRONG_TOTP, { code: "InvalidCode", cause: error });
    case "ExpiredCodeException":
      return new ValidationError("This code was used already; wait for the next one from the app.", { code: "CodeReused", cause: error });
    case "SoftwareTokenMFANotFoundException":
      return new ConflictError("MFA is not set up for this account.", { code: "MfaNotSetUp", cause: error });
    default:
      return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : "";
}
