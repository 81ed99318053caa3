import {
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  ResendConfirmationCodeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { SignInOutcome } from "@media/core/account-security";
import { Username, type Accounts, type SignUpInput, type Tokens } from "@media/core/accounts";
import { AppError, ConflictError, ForbiddenError, InternalError, TooManyRequestsError, UnauthorizedError, ValidationError } from "@media/core/errors";
import { alreadyConfirmed, cognitoName, INVALID_CODE_MESSAGE, INVALID_CREDENTIALS_MESSAGE, messageOf, toAppError } from "./cognito-app-errors";

/**
 * The Accounts port over a Cognito user pool's public app client (no secret), through the real SDK
 * client. The same adapter talks to AWS and to the local runtime's embedded pool; only the client's
 * endpoint differs. Cognito's exceptions become the catalogue's errors with messages written for
 * clients; an unexpected one becomes an InternalError whose cause is logged and never shown.
 *
 * Usernames. The pool's sign-in name is the email (UsernameAttributes: email), which excludes
 * `preferred_username` as a sign-in alias, and that pool setting cannot be changed after creation. So
 * the username is kept in `preferred_username` and this adapter does what an alias would: sign-up
 * refuses a username another account holds, and login resolves a username to its account's email with
 * ListUsers (an IAM-authorised admin call: `cognito-idp:ListUsers` on this pool only) before the usual
 * USER_PASSWORD_AUTH. Cognito does not keep a non-alias attribute unique, hence the check at sign-up;
 * see signUp for the race it leaves and how login copes with it.
 */
export function createCognitoAccounts({
  client,
  clientId,
  userPoolId,
}: {
  client: CognitoIdentityProviderClient;
  clientId: string;
  userPoolId: string;
}): Accounts {
  /** The accounts whose preferred_username is exactly `username`, at most `limit` of them. */
  async function holdersOf(username: string, limit: number): Promise<UserType[]> {
    try {
      const out = await client.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: usernameFilter(username), Limit: limit }));
      return out.Users ?? [];
    } catch (error) {
      // Never the client's doing: a missing IAM grant or a wrong pool id must not read as a wrong
      // password or a bad request. Throttling (ListUsers has a low per-pool quota) stays a 429.
      const mapped = toAppError(error);
      throw mapped instanceof TooManyRequestsError ? mapped : new InternalError(undefined, { cause: error });
    }
  }

  const accounts: Accounts = {
    async signUp(input: SignUpInput) {
      const attributes = [{ Name: "email", Value: input.email }];
      if (input.username) attributes.push({ Name: "preferred_username", Value: input.username });
      try {
        // Check, then create: two sign-ups with the same username at the same moment can both pass the
        // check (Cognito has no conditional SignUp and no uniqueness for a non-alias attribute), leaving
        // two accounts with one username. Login then refuses that username as ambiguous (the same 401 as
        // a wrong password) and both people can still sign in with their email. Closing the window would
        // take a claim written atomically elsewhere (a conditional put of the name in the table) before
        // SignUp; for a display name that doubles as a sign-in shortcut the window is not worth that.
        // An unconfirmed account holds its name too: otherwise two could hold it once both confirm.
        if (input.username && (await holdersOf(input.username, 1)).length > 0) {
          throw new ConflictError("This username is taken; choose another.", { code: "UsernameTaken" });
        }
        const out = await client.send(
          new SignUpCommand({ ClientId: clientId, Username: input.email, Password: input.password, UserAttributes: attributes }),
        );
        if (!out.UserSub) throw new Error("SignUp answered without a UserSub");
        return { userId: out.UserSub, confirmed: out.UserConfirmed ?? false };
      } catch (error) {
        // Ours already (a taken username, a failed lookup); anything else is Cognito's to map.
        if (error instanceof AppError) throw error;
        throw toAppError(error);
      }
    },

    async confirm(email, code) {
      try {
        await client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
      } catch (error) {
        // Cognito's answer to confirming twice; signing up already tells whether the email has an account.
        if (cognitoName(error) === "NotAuthorizedException" && /CONFIRMED/.test(messageOf(error))) throw alreadyConfirmed(error);
        throw toAppError(error);
      }
    },

    async resendCode(email) {
      try {
        await client.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: email }));
      } catch (error) {
        if (cognitoName(error) === "InvalidParameterException" && /already confirmed/i.test(messageOf(error))) throw alreadyConfirmed(error);
        throw toAppError(error);
      }
    },

    async profile(accessToken) {
      try {
        const out = await client.send(new GetUserCommand({ AccessToken: accessToken }));
        const email = out.UserAttributes?.find((a) => a.Name === "email")?.Value;
        if (!email) throw new Error("GetUser answered without an email attribute");
        return { email };
      } catch (error) {
        throw toAppError(error);
      }
    },

    async login(emailOrUsername, password) {
      const outcome = await accounts.signIn(emailOrUsername, password);
      if (outcome.kind === "mfa") {
        // Callers of login cannot answer a challenge; POST /login uses signIn.
        throw new ForbiddenError("This account asks for an MFA code at sign-in.", { code: "ChallengeRequired" });
      }
      return outcome.tokens;
    },

    async signIn(emailOrUsername, password): Promise<SignInOutcome> {
      try {
        let signInName = emailOrUsername;
        if (!emailOrUsername.includes("@")) {
          // A username: find its one account. An unknown or malformed name, and a name two accounts
          // hold (the sign-up race), answer exactly as a wrong password does. Whether a username
          // exists is no secret (sign-up must say it is taken), so only the answer, not its timing, is
          // kept identical. An account's email is its sign-in name; its Username is a generated id.
          const name = Username.safeParse(emailOrUsername);
          const holders = name.success ? await holdersOf(name.data, 2) : [];
          const email = holders.length === 1 ? holders[0]!.Attributes?.find((a) => a.Name === "email")?.Value : undefined;
          if (!email) throw new UnauthorizedError(INVALID_CREDENTIALS_MESSAGE, { code: "InvalidCredentials" });
          signInName = email;
        }
        const out = await client.send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: "USER_PASSWORD_AUTH",
            AuthParameters: { USERNAME: signInName, PASSWORD: password },
          }),
        );
        if (out.AuthenticationResult) return { kind: "tokens", tokens: tokensFrom(out.AuthenticationResult, true) };
        const username = out.ChallengeParameters?.USER_ID_FOR_SRP;
        if (out.ChallengeName === "SOFTWARE_TOKEN_MFA" && out.Session && username) {
          return { kind: "mfa", username, email: signInName.toLowerCase(), session: out.Session };
        }
        // Any other challenge (a new password, SMS MFA): the pool is configured for none of them.
        throw new ForbiddenError("This account needs a step this service does not support; contact support.", { code: "ChallengeRequired" });
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw toAppError(error);
      }
    },

    async refresh(refreshToken) {
      try {
        const out = await client.send(
          new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: refreshToken } }),
        );
        if (!out.AuthenticationResult) throw new Error("REFRESH_TOKEN_AUTH answered without tokens");
        return tokensFrom(out.AuthenticationResult, false);
      } catch (error) {
        const name = cognitoName(error);
        if (name === "NotAuthorizedException" || name === "UserNotFoundException") {
          throw new UnauthorizedError("The refresh token is invalid, expired or revoked; log in again.", { code: "InvalidRefreshToken", cause: error });
        }
        throw toAppError(error);
      }
    },

    async forgotPassword(email) {
      try {
        await client.send(new ForgotPasswordCommand({ ClientId: clientId, Username: email }));
      } catch (error) {
        // The same answer whether or not there is an account (or one that can receive a code), so this
        // cannot be used to find out which emails are registered. Throttling and faults still surface.
        if (ACCOUNT_STATE_ERRORS.has(cognitoName(error) ?? "")) return;
        throw toAppError(error);
      }
    },

    async resetPassword(email, code, password) {
      try {
        await client.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: email, ConfirmationCode: code, Password: password }));
      } catch (error) {
        // Without PreventUserExistenceErrors Cognito would say the user does not exist: answer as a wrong code.
        const name = cognitoName(error);
        if (name === "UserNotFoundException" || name === "NotAuthorizedException") {
          throw new ValidationError(INVALID_CODE_MESSAGE, { code: "InvalidCode", cause: error });
        }
        throw toAppError(error);
      }
      // Whose account it was: the public API answers nothing, so ask as an admin (AdminGetUser takes the
      // email as the username in this pool). The password is already changed, so any failure here is ours.
      try {
        const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
        const userId = user.UserAttributes?.find((a) => a.Name === "sub")?.Value;
        if (!userId) throw new Error("AdminGetUser answered without a sub");
        return { userId };
      } catch (error) {
        throw new InternalError(undefined, { cause: error });
      }
    },

    async signOutEverywhere(userId) {
      try {
        // The sub is the username of an account in a pool whose sign-in name is the email.
        await client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username: userId }));
      } catch (error) {
        // Nobody's doing but ours (a missing grant, the pool unreachable): never a client error.
        throw new InternalError(undefined, { cause: error });
      }
    },

    async logout(accessToken, refreshToken) {
      // GlobalSignOut first: RevokeToken also revokes the access tokens minted with that refresh token,
      // after which Cognito refuses them for GlobalSignOut and the user's other sessions would stay open.
      let signedOut = false;
      try {
        await client.send(new GlobalSignOutCommand({ AccessToken: accessToken }));
        signedOut = true;
      } catch (error) {
        const name = cognitoName(error);
        // Already revoked: a second logout leaves the user signed out, which is what was asked.
        const alreadyOut = name === "NotAuthorizedException" && /revoked/i.test(messageOf(error));
        if (!alreadyOut) {
          if (name === "NotAuthorizedException") {
            throw new UnauthorizedError("The access token is invalid or expired.", { code: "InvalidToken", cause: error });
          }
          throw toAppError(error);
        }
      }
      try {
        // Redundant after a GlobalSignOut (it revokes every refresh token of the user), but not after a
        // session-only revocation, and it is the documented way to end this refresh token.
        await client.send(new RevokeTokenCommand({ ClientId: clientId, Token: refreshToken }));
      } catch (error) {
        // Once GlobalSignOut succeeded every refresh token of the user is dead: nothing left to report.
        // Otherwise a token Cognito does not accept (malformed, another client's) is no failure either.
        if (!signedOut && !TOKEN_REJECTIONS.has(cognitoName(error) ?? "")) throw toAppError(error);
      }
    },
  };
  return accounts;
}

/** ForgotPassword answers that depend on the account's existence or state, which must not show. */
const ACCOUNT_STATE_ERRORS = new Set(["UserNotFoundException", "InvalidParameterException", "NotAuthorizedException", "UserNotConfirmedException"]);
/** RevokeToken's ways of refusing the token itself (as opposed to failing). */
const TOKEN_REJECTIONS = new Set(["UnsupportedTokenTypeException", "InvalidParameterException", "NotAuthorizedException", "UnauthorizedException"]);

export function tokensFrom(result: AuthenticationResultType, withRefreshToken: boolean): Tokens {
  if (!result.AccessToken || !result.IdToken) throw new Error("Cognito answered without an access or id token");
  const tokens: Tokens = { accessToken: result.AccessToken, idToken: result.IdToken, expiresIn: result.ExpiresIn ?? 3600 };
  // The contract's refresh answer carries no refresh token, even if the pool rotates them.
  if (withRefreshToken && result.RefreshToken) tokens.refreshToken = result.RefreshToken;
  return tokens;
}

/**
 * ListUsers' filter for an exact preferred_username. The value is quoted, with `\` and `"` escaped as
 * the filter syntax asks; usernames cannot hold either (the Username rule), this is for safety only.
 */
export function usernameFilter(username: string): string {
  return `preferred_username = "${username.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
