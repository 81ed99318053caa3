import type { ExportManifest, StoredExport } from "@media/core/account-export";
import type { Transport } from "./transport";

/** `POST /me/mfa/totp`: the secret to add to an authenticator app (as a QR code of `otpauthUri`). */
export interface TotpSetup {
  secret: string;
  otpauthUri: string;
}

/**
 * The account's own controls: passwords, the email address, two-step sign-in, export and deletion.
 * Over the client's one transport, so tokens, renewals and errors behave as for every other call.
 * The calls that end every session (new password, sign out everywhere, deletion) end this one as well:
 * the caller says so to the person and drops it (`setSession(undefined)`); a later call would find the
 * refresh token refused and drop it by itself.
 */
export class AccountControls {
  constructor(private readonly transport: Transport) {}

  /** Sends a reset code by email; the API answers alike whether or not the account exists. */
  async forgotPassword(email: string): Promise<void> {
    await this.transport.request("POST", "/forgot-password", { auth: false, json: { email } });
  }

  async resetPassword(input: { email: string; code: string; password: string }): Promise<void> {
    await this.transport.request("POST", "/reset-password", { auth: false, json: input });
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.transport.request("POST", "/me/password", { json: { currentPassword, newPassword } });
  }

  /** Starts a change of address: a code goes to the new one, to give `verifyEmail`. */
  changeEmail(email: string): Promise<{ message: string }> {
    return this.transport.json("POST", "/me/email", { json: { email } });
  }

  verifyEmail(code: string): Promise<{ message: string; email: string }> {
    return this.transport.json("POST", "/me/email/verify", { json: { code } });
  }

  async logoutEverywhere(): Promise<void> {
    await this.transport.request("POST", "/me/logout-everywhere");
  }

  startTotp(): Promise<TotpSetup> {
    return this.transport.json("POST", "/me/mfa/totp");
  }

  /** Turns two-step sign-in on with a first code from the app set up by `startTotp`. */
  enableTotp(code: string): Promise<{ message: string }> {
    return this.transport.json("POST", "/me/mfa/totp/verify", { json: { code } });
  }

  async disableTotp(code: string): Promise<void> {
    await this.transport.request("DELETE", "/me/mfa", { json: { code } });
  }

  /** Every file with a download URL, as JSON: what leaving with one's data takes. */
  /**
   * The export: the manifest itself, or for an account whose manifest is too large for one answer, where
   * to download it (`manifestUrl`, an attachment, valid as long as the manifest's own links).
   */
  exportManifest(): Promise<ExportManifest | StoredExport> {
    return this.transport.json("GET", "/me/export");
  }

  /** Deletes the account and every file of it; `code` from the authenticator app when two-step sign-in is on. */
  async deleteAccount(password: string, code?: string): Promise<void> {
    await this.transport.request("DELETE", "/me", { json: code ? { password, code } : { password } });
  }
}
