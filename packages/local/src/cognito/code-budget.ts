/**
 * Per-account limits on emailed codes, as Cognito keeps them: they belong to the account, not to one
 * code, so asking for a new code neither restores the wrong guesses allowed nor escapes the cap on
 * emails. Without that a six-digit code could be walked by asking for a fresh code after every five
 * guesses, and anyone could flood an inbox by asking again and again.
 *
 * Each limit is a sliding window kept as the times of the recent events (at most `limit` of them), so
 * the state stays small and survives a restart with the rest of the user.
 */
export interface CodeBudget {
  /** Times (epoch ms) of the recent codes emailed to the account, oldest first. */
  sent: number[];
  /** Times of the recent wrong codes given for the account, oldest first. */
  failed: number[];
}

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

/**
 * Cognito's per-user quota on account-recovery calls: 5 an hour. Sign-up's first code, resent
 * confirmation codes and reset codes all count.
 */
export const CODE_EMAILS: WindowLimit = { limit: 5, windowMs: 3600_000 };
/** Wrong codes an account may receive in an hour, whatever code they were meant for. */
export const CODE_FAILURES: WindowLimit = { limit: 5, windowMs: 3600_000 };

export function emptyBudget(): CodeBudget {
  return { sent: [], failed: [] };
}

/** The events still inside the window. */
function recent(times: number[], rule: WindowLimit, now: number): number[] {
  return times.filter((t) => t > now - rule.windowMs && t <= now);
}

/** Whether one more event fits in the window now. */
export function allows(times: number[], rule: WindowLimit, now: number): boolean {
  return recent(times, rule, now).length < rule.limit;
}

/** The window with this event added, trimmed to what the limit needs. */
export function record(times: number[], rule: WindowLimit, now: number): number[] {
  return [...recent(times, rule, now), now].slice(-rule.limit);
}
