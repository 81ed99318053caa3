import { createHash } from "node:crypto";
import { TooManyRequestsError } from "./errors";
import type { Clock } from "./ports";

/**
 * Limits on the public routes that send or check emailed codes, per account (the email) and per client
 * (the source IP as API Gateway saw the connection, which a client cannot forge with a header).
 *
 * Cognito already limits each account (code emails and wrong codes, LimitExceededException), but not
 * each client: one client could mail a code to thousands of addresses through sign-up, resend and
 * forgot-password, or spread its guesses over many accounts. And its per-account answers would differ
 * between an account that exists and one that does not; this limit counts every email asked for, so
 * the 429 comes alike for both before Cognito's own limit can show. Its account limit on code emails is
 * therefore no higher than Cognito's (5 an hour).
 */
export interface RateLimit {
  /** What is counted, part of the key (`code-email`, `code-check`). */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /**
   * Counts one event for `key` in the current window of `rule`; when the window is full, counts nothing
   * and answers how many seconds are left of it.
   */
  take(key: string, rule: RateLimit, nowMs: number): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

export interface CodeLimitDeps {
  limiter: RateLimiter;
  clock: Clock;
  limits: CodeLimits;
}

export interface CodeLimits {
  emailsPerAccount: RateLimit;
  emailsPerClient: RateLimit;
  checksPerAccount: RateLimit;
  checksPerClient: RateLimit;
}

const HOUR = 3600;
/**
 * The limits. The per-client ones can be raised by configuration (a benchmark that signs up a hundred
 * users from one address); the per-account ones cannot, see above.
 */
export const CODE_LIMITS = {
  emailsPerAccount: { name: "code-email-account", limit: 5, windowSeconds: HOUR },
  emailsPerClient: { name: "code-email-client", limit: 30, windowSeconds: HOUR },
  /** Every code checked, right or wrong: a person needs a few; walking a six-digit code needs ~500,000. */
  checksPerAccount: { name: "code-check-account", limit: 10, windowSeconds: HOUR },
  checksPerClient: { name: "code-check-client", limit: 50, windowSeconds: HOUR },
} as const satisfies CodeLimits;

/** The limits with the per-client numbers given (per hour). */
export function codeLimits(perClient: { emails: number; checks: number }): CodeLimits {
  return {
    ...CODE_LIMITS,
    emailsPerClient: { ...CODE_LIMITS.emailsPerClient, limit: perClient.emails },
    checksPerClient: { ...CODE_LIMITS.checksPerClient, limit: perClient.checks },
  };
}

export interface CodeRequest {
  email: string;
  clientIp: string;
}

/** Before sign-up, a resent confirmation code or a reset code is mailed. */
export function beforeSendingCode(deps: CodeLimitDeps, request: CodeRequest): Promise<void> {
  return enforce(deps, request, deps.limits.emailsPerClient, deps.limits.emailsPerAccount, "Too many codes were asked for. Wait before asking again.");
}

/** Before a confirmation or reset code is checked. */
export function beforeCheckingCode(deps: CodeLimitDeps, request: CodeRequest): Promise<void> {
  return enforce(deps, request, deps.limits.checksPerClient, deps.limits.checksPerAccount, "Too many codes were tried. Wait before trying again.");
}

async function enforce(deps: CodeLimitDeps, request: CodeRequest, perClient: RateLimit, perAccount: RateLimit, message: string): Promise<void> {
  const now = deps.clock.now();
  // The client first: a client over its limit is refused without spending the account's budget.
  for (const [rule, subject] of [
    [perClient, request.clientIp],
    [perAccount, request.email.trim().toLowerCase()],
  ] as const) {
    const taken = await deps.limiter.take(subjectKey(subject), rule, now);
    if (!taken.allowed) throw new TooManyRequestsError(message, { retryAfterSeconds: taken.retryAfterSeconds });
  }
}

/**
 * Emails and addresses are stored hashed, so the counters hold no address in the clear. (Not anonymous:
 * the space of IPv4 addresses is small. The counters expire with their window.)
 */
function subjectKey(subject: string): string {
  return createHash("sha256").update(subject, "utf8").digest("base64url");
}
