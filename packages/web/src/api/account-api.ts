import { MfaRequiredError, type MfaChallengeResponse, type Session, type TotpSetup } from "@media/client";
import { friendly, type AppApi } from "./app-api";
import { errorFromThrown } from "./errors";

export type { TotpSetup };

/** `POST /login` for an account with MFA on: no tokens yet, a session to finish with the app's code. */
export type MfaChallengeAnswer = MfaChallengeResponse;

export type LoginAnswer = Session | MfaChallengeAnswer;

export function isMfaChallenge(answer: LoginAnswer): answer is MfaChallengeAnswer {
  return "challenge" in answer && answer.challenge === "SOFTWARE_TOKEN_MFA";
}

/**
 * The account's own controls (the "Account security" routes of the HTTP contract), on the client's
 * `account` calls, so tokens, refreshes and errors behave as everywhere else.
 */
export class AccountApi {
  constructor(private readonly api: AppApi) {}

  private get account() {
    return this.api.client.account;
  }

  /** Signs in, or answers the MFA challenge to finish with `loginMfa` (the screen asks for the code in between). */
  async login(emailOrUsername: string, password: string): Promise<LoginAnswer> {
    try {
      return await this.api.client.login(emailOrUsername, password);
    } catch (error) {
      if (!(error instanceof MfaRequiredError)) throw errorFromThrown(error);
      return { message: error.challenge.message, challenge: "SOFTWARE_TOKEN_MFA", session: error.challenge.challengeSession };
    }
  }
  loginMfa(session: string, code: string): Promise<Session> {
    return friendly(this.api.client.respondToMfa(session, code));
  }
  changePassword(currentPassword: string, newPassword: string) {
    return friendly(this.account.changePassword(currentPassword, newPassword));
  }
  changeEmail(email: string) {
    return friendly(this.account.changeEmail(email));
  }
  verifyEmail(code: string) {
    return friendly(this.account.verifyEmail(code));
  }
  logoutEverywhere() {
    return friendly(this.account.logoutEverywhere());
  }
  startTotp() {
    return friendly(this.account.startTotp());
  }
  enableTotp(code: string) {
    return friendly(this.account.enableTotp(code));
  }
  disableTotp(code: string) {
    return friendly(this.account.disableTotp(code));
  }
  exportManifest() {
    return friendly(this.account.exportManifest());
  }
  deleteAccount(password: string, code?: string) {
    return friendly(this.account.deleteAccount(password, code));
  }
}
