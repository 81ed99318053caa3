import type { Accounts } from "./accounts";
import type { Clock } from "./ports";

/**
 * Ending every session of a user: at logout, and when the password is reset.
 *
 * Cognito revokes the refresh tokens (GlobalSignOut, AdminUserGlobalSignOut), but its access tokens
 * are JWTs checked offline (aws-jwt-verify#151): they would stay valid for their hour. So each user
 * has a "sessions end" time of their own, and the authorizer refuses every access token whose sign-in
 * (`auth_time`, which refreshed tokens keep) is not after it.
 *
 * Tokens count time in whole seconds, the cut in milliseconds: a token signed in during the second of
 * the cut may come from before it or after it. Refusing it would turn away whoever signs in again at
 * once (a script, a quick hand); accepting it would keep a session from just before the cut alive for
 * its hour. So that one second is settled by Cognito, which knows: the cut is written after Cognito
 * signed the user out everywhere, and Cognito refuses (GetUser) the access tokens of every session it
 * signed out, and only those. It costs a Cognito call for the few tokens signed in within that second.
 */
export interface SessionCutoffs {
  /** When the user's sessions last ended (epoch ms), or undefined if they never did. */
  cutoff(userId: string): Promise<number | undefined>;
  /** Ends every session signed in up to `at` (epoch ms); an earlier time never replaces a later one. */
  endSessions(userId: string, at: number): Promise<void>;
}

/** Asks Cognito whether an access token's session was signed out (GetUser refuses it). */
export interface TokenRevocations {
  /** For the token whose id is `jti`, once the user's cut is `cutoffMs` (an answer holds for that cut). */
  isRevoked(accessToken: string, jti: string, cutoffMs: number): Promise<boolean>;
}

/**
 * Whether a session signed in at `authTimeSeconds` outlives the user's cut (if any): "undecided" when it
 * was signed in during the cut's own second.
 */
export function sessionState(authTimeSeconds: number, cutoffMs: number | undefined): "alive" | "ended" | "undecided" {
  if (cutoffMs === undefined || authTimeSeconds * 1000 > cutoffMs) return "alive";
  return authTimeSeconds === Math.floor(cutoffMs / 1000) ? "undecided" : "ended";
}

export interface SessionDeps {
  accounts: Accounts;
  cutoffs: SessionCutoffs;
  clock: Clock;
}

/**
 * Logout signs the user out everywhere. Cognito first: once the cut is written the authorizer refuses
 * this very token, so if Cognito failed after it the client could not call logout again, and the
 * refresh tokens would live on. The other way round a failure leaves a retry that works.
 */
export async function logout(deps: SessionDeps, input: { userId: string; accessToken: string; refreshToken: string }): Promise<void> {
  await deps.accounts.logout(input.accessToken, input.refreshToken);
  await deps.cutoffs.endSessions(input.userId, deps.clock.now());
}

/**
 * A reset proves the code's owner holds the mailbox; whoever held the old password is signed out, on
 * every device, refresh tokens and access tokens alike. The cut is taken once the new password is set:
 * every sign-in before it used the old password.
 */
export async function resetPassword(deps: SessionDeps, input: { email: string; code: string; password: string }): Promise<void> {
  const { userId } = await deps.accounts.resetPassword(input.email, input.code, input.password);
  const at = deps.clock.now();
  await deps.accounts.signOutEverywhere(userId);
  await deps.cutoffs.endSessions(userId, at);
}
