import { createHmac, timingSafeEqual } from "node:crypto";
import { UnauthorizedError } from "./errors";

/**
 * The `session` of `POST /login` when the account has MFA on, opaque to clients. Cognito's
 * RespondToAuthChallenge wants the user's name beside its own session string, and the code check must be
 * counted against the account (code-limits.ts), so both travel with Cognito's session, signed with the
 * server's secret: a client can neither aim a guess at another account's budget nor pair one account's
 * session with another's name. Its life is Cognito's (3 minutes); Cognito decides when it is over.
 */
export interface MfaChallengeState {
  /** Cognito's user name for the account (its sub). */
  username: string;
  /** The email the account signs in with: the key of its code-check budget. */
  email: string;
  /** Cognito's own session string. */
  session: string;
}

export function sealMfaSession(state: MfaChallengeState, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ u: state.username, e: state.email, s: state.session })).toString("base64url");
  return `${payload}.${sign(payload, secret)}`;
}

export function openMfaSession(token: string, secret: string): MfaChallengeState {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) throw invalidSession();
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidSession();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch (cause) {
    throw invalidSession(cause);
  }
  const { u, e, s } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof u !== "string" || typeof e !== "string" || typeof s !== "string") throw invalidSession();
  return { username: u, email: e, session: s };
}

function sign(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(`mfa-session\n${payload}`).digest("base64url");
}

export function invalidSession(cause?: unknown): UnauthorizedError {
  return new UnauthorizedError("The sign-in session is invalid or has expired (it lasts 3 minutes); log in again.", { code: "MfaSessionExpired", cause });
}
