import * as z from "zod/v4-mini";

/**
 * The account routes' request schemas use zod 4's "mini" build, whose functions a bundler can leave
 * out when unused: an auth route's bundle holds about a third of what zod 3 brings (one 49 KB module
 * that nothing can shake). Their answers keep zod 3's wording (clients and the web app show these
 * messages beside the field), so the few kinds of issue these schemas raise are worded here as zod 3
 * worded them; every other message is written beside its check.
 */
z.config({ customError: zod3Message });

function zod3Message(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "Required" : `Expected ${issue.expected}, received ${received(issue.input)}`;
    case "too_small":
      if (issue.origin !== "string") return undefined;
      return `String must contain ${issue.exact ? "exactly" : issue.inclusive ? "at least" : "over"} ${issue.minimum} character(s)`;
    case "too_big":
      if (issue.origin !== "string") return undefined;
      return `String must contain ${issue.exact ? "exactly" : issue.inclusive ? "at most" : "under"} ${issue.maximum} character(s)`;
    default:
      return undefined;
  }
}

/** A value's kind as zod 3 named it in "Expected …, received …". */
function received(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isNaN(value) ? "nan" : "number";
  if (value instanceof Date) return "date";
  if (value instanceof Map) return "map";
  if (value instanceof Set) return "set";
  return typeof value;
}

/**
 * Length checks that skip a value which is not a string. zod 4 runs them on anything with a length,
 * so an array given for a string would get a second issue beside zod 3's one "Expected string".
 */
const onStrings = { when: (payload: z.core.ParsePayload) => typeof payload.value === "string" };
export const minChars = (n: number) => z.minLength(n, onStrings);
export const maxChars = (n: number) => z.maxLength(n, onStrings);

/** A trimmed, lower-cased email address; its pattern is zod 3's `.email()` (zod 4's default is the same one). */
export function emailAddress(max: number) {
  const email = z.string().check(z.trim(), z.toLowerCase(), z.regex(z.regexes.email, "Invalid email"), maxChars(max));
  // The OpenAPI document says `format: email`, as it did when zod-to-openapi read zod 3's `.email()`.
  z.globalRegistry.add(email, { format: "email" });
  return email;
}

/** A string of `min` to `max` characters. */
export function sized(min: number, max: number) {
  return z.string().check(minChars(min), maxChars(max));
}
