/**
 * The user pool's password policy, written once: the Auth stack sets it on Cognito, the local user pool
 * enforces it, and the web app shows it as the password field's hint. Cognito's defaults.
 */
export const PASSWORD_POLICY = {
  minLength: 8,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;

export type PasswordPolicy = typeof PASSWORD_POLICY;

/** The policy in a sentence, for people choosing a password ("At least 8 characters, with …"). */
export function describePasswordPolicy(policy: PasswordPolicy = PASSWORD_POLICY): string {
  const letters =
    policy.requireLowercase && policy.requireUppercase
      ? "a lower-case and an upper-case letter"
      : policy.requireLowercase
        ? "a lower-case letter"
        : policy.requireUppercase
          ? "an upper-case letter"
          : undefined;
  const parts = [letters, policy.requireDigits ? "a digit" : undefined, policy.requireSymbols ? "a symbol" : undefined].filter((p) => p !== undefined);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0];
  return `At least ${policy.minLength} characters${list ? `, with ${list}` : ""}.`;
}
