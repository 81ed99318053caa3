import type { MediaApi } from "./client";
import type { TokenAnswer } from "./types";

/** `POST /login` for an account with MFA on: no tokens yet, a session to finish with the app's code. */
export interface MfaChallengeAnswer {
  message: string;
  challenge: "SOFTWARE_TOKEN_MFA";
  session: string;
}

export type LoginAnswer = TokenAnswer | MfaChallengeAnswer;

export function isMfaChallenge(answer: LoginAnswer): answer is MfaChallengeAnswer {
  return "challenge" in answer && answer.challenge === "SOFTWARE_TOKEN_MFA";
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
}

/**
 * The account's own controls (the "Account security" routes of the HTTP contract), over the app's one
 * API client so tokens, refreshes and errors behave as everywhere else.
 */
export class AccountApi {
  constructor(private readonly api: MediaApi) {}

  login(emailOrUsername: string, password: string): Promise<LoginAnswer> {
    const who = emailOrUsername.includes("@") ? { email: emailOrUsername } : { username: emailOrUsername };
    return this.api.request<LoginAnswer>("POST", "/login", { json: { ...who, password }, auth: false });
  }
  loginMfa(session: string, code: string) {
    return this.api.request<TokenAnswer>("POST", "/login/mfa", { json: { session, code }, auth: false });
  }
  changePassword(currentPassword: string, newPassword: string) {
    return this.api.request<void>("POST", "/me/password", { json: { currentPassword, newPassword } });
  }
  changeEmail(email: string) {
    return this.api.request<{ message: string }>("POST", "/me/email", { json: { email } });
  }
  verifyEmail(code: string) {
    return this.api.request<{ message: string; email: string }>("POST", "/me/email/verify", { json: { code } });
  }
  logoutEverywhere() {
    return this.api.request<void>("POST", "/me/logout-everywhere");
  }
  startTotp() {
    return this.api.request<TotpSetup>("POST", "/me/mfa/totp");
  }
  enableTotp(code: string) {
    return this.api.request<{ message: string }>("POST", "/me/mfa/totp/verify", { json: { code } });
  }
  disableTotp(code: string) {
    return this.api.request<void>("DELETE", "/me/mfa", { json: { code } });
  }
  exportUrl(): string {
    return this.api.url("/me/export");
  }
  exportManifest() {
    return this.api.request<unknown>("GET", "/me/export");
  }
  deleteAccount(password: string, code?: string) {
    return this.api.request<void>("DELETE", "/me", { json: code ? { password, code } : { password } });
  }
}
