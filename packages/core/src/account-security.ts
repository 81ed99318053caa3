import type { Tokens } from "./accounts";
import { AppError, ForbiddenError } from "./errors";
import { beforeCheckingCode, beforeSendingCode, type CodeLimitDeps } from "./code-limits";
import { openMfaSession, sealMfaSession } from "./mfa-session";
import { emailChangedNotice, type Mailer } from "./notices";
import type { SessionDeps } from "./sessions";
import * as z from "zod/v4-mini";
import { emailAddress, sized } from "./mini-schema";

/**
 * What a signed-in person does to their own account: change the password, end every session, set up
 * or turn off TOTP MFA, and finish a sign-in that MFA challenged. Cognito does the work (the
 * AccountSecurity port); this module decides what else must happen: sessions cut, codes counted.
 */
const password = sized(1, 256);
/** Authenticator apps show six digits; spaces people type between the groups are forgiven. */
export const TotpCode = z.pipe(
  z.pipe(z.string(), z.transform((s: string) => s.replace(/\s+/g, ""))),
  z.string().check(z.regex(/^\d{6}$/, "must be the 6-digit code from the authenticator app")),
);

export const ChangePasswordInput = z.object({ currentPassword: password, newPassword: password });
export const TotpCodeInput = z.object({ code: TotpCode });
export const ChangeEmailInput = z.object({ email: emailAddress(254) });
export const VerifyEmailInput = z.object({ code: z.string().check(z.trim(), z.regex(/^\d{4,10}$/, "must be the numeric code from the email")) });
export const LoginMfaInput = z.object({ session: sized(1, 8192), code: TotpCode });

/** A sign-in: tokens, or the MFA challenge that stands between the password and them. */
export type SignInOutcome = { kind: "tokens"; tokens: Tokens } | { kind: "mfa"; username: string; email: string; session: string };

export interface AccountSecurity {
  /** Cognito ChangePassword; a wrong current password is InvalidCredentials (401). */
  changePassword(accessToken: string, currentPassword: string, newPassword: string): Promise<void>;
  /** Cognito GlobalSignOut: every refresh token of the user revoked. */
  signOutEverywhere(accessToken: string): Promise<void>;
  /** A new TOTP secret for the user's app (AssociateSoftwareToken); MFA is unchanged until verified. */
  associateTotp(accessToken: string): Promise<{ secret: string }>;
  /** Proves the app holds the secret (VerifySoftwareToken); a wrong code is InvalidCode (400). */
  verifyTotp(accessToken: string, code: string): Promise<void>;
  /** Turns sign-in's TOTP step on or off (SetUserMFAPreference). */
  setTotpMfa(accessToken: string, enabled: boolean): Promise<void>;
  /** Whether the user's sign-in asks for a TOTP code (GetUser's UserMFASettingList). */
  totpEnabled(accessToken: string): Promise<boolean>;
  /** Answers the SOFTWARE_TOKEN_MFA challenge (RespondToAuthChallenge). */
  answerMfa(username: string, session: string, code: string): Promise<Tokens>;
  /** Deletes the signed-in user from the pool (DeleteUser). */
  deleteSelf(accessToken: string): Promise<void>;
  /** Mails a code to a new address (UpdateUserAttributes); sign-in keeps the old one until it is verified. */
  requestEmailChange(accessToken: string, email: string): Promise<void>;
  /** Switches sign-in to the new address with the code it received (VerifyUserAttribute). */
  confirmEmailChange(accessToken: string, code: string): Promise<void>;
}

export interface SecurityDeps extends SessionDeps {
  security: AccountSecurity;
  codeLimits: CodeLimitDeps;
  /** Signs the MFA session handed to clients (mfa-session.ts). */
  secret: string;
}

/**
 * The password changes, then every session ends: Cognito's refresh tokens and, through the cut, every
 * access token signed in before it, this one included (the client signs in again with the new password).
 * Cognito first, as at logout: once the cut is written this token is refused, and a retry must still work.
 */
export async function changePassword(deps: SecurityDeps, input: { userId: string; accessToken: string; currentPassword: string; newPassword: string }) {
  await deps.security.changePassword(input.accessToken, input.currentPassword, input.newPassword).catch((error: unknown) => {
    throw wrongPasswordFor(error);
  });
  await endEverySession(deps, input);
}

export async function endEverySession(deps: SecurityDeps, input: { userId: string; accessToken: string }): Promise<void> {
  const at = deps.clock.now();
  await deps.security.signOutEverywhere(input.accessToken);
  await deps.cutoffs.endSessions(input.userId, at);
}

export interface TotpSetup {
  secret: string;
  /** What authenticator apps read from a QR code (Google's Key Uri Format). */
  otpauthUri: string;
}

/** The issuer shown in authenticator apps beside the account's email. */
export const TOTP_ISSUER = "Media storage";

export async function startTotpSetup(deps: SecurityDeps, input: { accessToken: string; email: string }): Promise<TotpSetup> {
  const { secret } = await deps.security.associateTotp(input.accessToken);
  return { secret, otpauthUri: otpauthUri(secret, input.email) };
}

export function otpauthUri(secret: string, email: string): string {
  const label = encodeURIComponent(`${TOTP_ISSUER}:${email}`);
  const params = new URLSearchParams({ secret, issuer: TOTP_ISSUER, algorithm: "SHA1", digits: "6", period: "30" });
  return `otpauth://totp/${label}?${params.toString()}`;
}

/** A TOTP code typed by a signed-in user, counted against the account's code budget first. */
async function countCode(deps: SecurityDeps, email: string, clientIp: string): Promise<void> {
  await beforeCheckingCode(deps.codeLimits, { email, clientIp });
}

/**
 * Sign-in's TOTP step on or off, each behind a current code from the app, counted first: turning it on
 * proves the app holds the secret; turning it off that way means a stolen session alone cannot remove
 * the second factor.
 */
export async function switchTotp(deps: SecurityDeps, input: { accessToken: string; email: string; clientIp: string; code: string; on: boolean }): Promise<void> {
  await countCode(deps, input.email, input.clientIp);
  await deps.security.verifyTotp(input.accessToken, input.code);
  await deps.security.setTotpMfa(input.accessToken, input.on);
}

/** The answer of `POST /login` for an account with MFA on. */
export function mfaChallenge(deps: Pick<SecurityDeps, "secret">, outcome: Extract<SignInOutcome, { kind: "mfa" }>) {
  return {
    message: "Enter the code from your authenticator app.",
    challenge: "SOFTWARE_TOKEN_MFA" as const,
    session: sealMfaSession({ username: outcome.username, email: outcome.email, session: outcome.session }, deps.secret),
  };
}

export async function completeMfaLogin(deps: SecurityDeps, input: { session: string; code: string; clientIp: string }): Promise<Tokens> {
  const state = openMfaSession(input.session, deps.secret);
  await countCode(deps, state.email, input.clientIp);
  return deps.security.answerMfa(state.username, state.session, input.code);
}

/**
 * A wrong password of a signed-in user is a 403, not the sign-in's 401: the caller's token is fine,
 * and a client must not take the answer for a session that ended.
 */
export function wrongPasswordFor(error: unknown): unknown {
  if (error instanceof AppError && error.code === "InvalidCredentials") {
    return new ForbiddenError("The password is not right.", { code: "WrongPassword", cause: error });
  }
  return error;
}

/**
 * A new sign-in address: a code goes to it, counted like every code email (per client and per the
 * address it is sent to, code-limits.ts), and nothing changes until the code comes back.
 */
export async function requestEmailChange(deps: SecurityDeps, input: { accessToken: string; email: string; clientIp: string }): Promise<void> {
  await beforeSendingCode(deps.codeLimits, { email: input.email, clientIp: input.clientIp });
  await deps.security.requestEmailChange(input.accessToken, input.email);
}

export interface EmailChangeDeps extends SecurityDeps {
  /** Sends the notice to the address sign-in leaves. */
  mailer: Mailer;
}

/** What came of a verified email change: the new address, and whether the old one was told. */
export interface EmailChanged {
  email: string;
  notice: { sent: true } | { sent: false; error: unknown };
}

/**
 * The code switches sign-in to the new address; then the old address is told (Cognito tells it nothing).
 * A notice that fails does not fail the change: it is done, its code is spent, and a retry could only
 * refuse. The caller logs the failure, which the error alarm then reports.
 */
export async function confirmEmailChange(
  deps: EmailChangeDeps,
  input: { accessToken: string; currentEmail: string; clientIp: string; code: string },
): Promise<EmailChanged> {
  await countCode(deps, input.currentEmail, input.clientIp);
  await deps.security.confirmEmailChange(input.accessToken, input.code);
  const { email } = await deps.accounts.profile(input.accessToken);
  const notice = emailChangedNotice({ oldEmail: input.currentEmail, newEmail: email, at: deps.clock.now() });
  try {
    await deps.mailer.send(notice);
    return { email, notice: { sent: true } };
  } catch (error) {
    return { email, notice: { sent: false, error } };
  }
}
