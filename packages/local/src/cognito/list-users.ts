import { InvalidParameter } from "./cognito-errors";
import type { StoredUser } from "./user-pool-store";

/**
 * ListUsers' server-side filter, as Cognito documents it: `AttributeName Filter-Type "AttributeValue"`,
 * one attribute, `=` (exact) or `^=` (starts with), the value in double quotes with `\"` (and `\\`)
 * escaped; the name may be quoted too (`"email"^="testuser"` is AWS's own example). An empty filter
 * lists everyone. Only these standard attributes are searchable; custom attributes are not.
 */
export interface UserFilter {
  attribute: SearchableAttribute;
  prefix: boolean;
  value: string;
}

/** The searchable attributes and how a stored user answers each. */
const SEARCHABLE = {
  // In a pool whose sign-in name is the email, the username is the generated id (the sub).
  username: (u: StoredUser) => u.sub,
  email: (u: StoredUser) => u.email,
  phone_number: () => undefined,
  name: () => undefined,
  given_name: () => undefined,
  family_name: () => undefined,
  preferred_username: (u: StoredUser) => u.preferredUsername,
  "cognito:user_status": (u: StoredUser) => u.status,
  // The local pool has no disabled users.
  status: () => "Enabled",
  sub: (u: StoredUser) => u.sub,
} satisfies Record<string, (u: StoredUser) => string | undefined>;

export type SearchableAttribute = keyof typeof SEARCHABLE;

/**
 * AWS documents `username` and `status` as case-sensitive and `cognito:user_status` as case-insensitive,
 * and says nothing of the others: they compare exactly as stored here, the conservative reading, and the
 * accounts adapter relies on no more than that (usernames are case-sensitive there).
 */
const CASE_INSENSITIVE = new Set<SearchableAttribute>(["cognito:user_status"]);

const FILTER = /^\s*("?)([\w:]+)\1\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/s;

export function parseUserFilter(filter: string | undefined): UserFilter | undefined {
  if (filter === undefined || filter.trim() === "") return undefined;
  const m = FILTER.exec(filter);
  if (!m) throw InvalidParameter("Error while parsing filter.");
  const attribute = m[2]!;
  if (!Object.hasOwn(SEARCHABLE, attribute)) throw InvalidParameter(`Invalid search attribute: ${attribute}`);
  return { attribute: attribute as SearchableAttribute, prefix: m[3] === "^=", value: m[4]!.replace(/\\(.)/gs, "$1") };
}

export function matchesFilter(user: StoredUser, filter: UserFilter | undefined): boolean {
  if (!filter) return true;
  let actual = SEARCHABLE[filter.attribute](user);
  if (actual === undefined) return false;
  let wanted = filter.value;
  if (CASE_INSENSITIVE.has(filter.attribute)) {
    actual = actual.toLowerCase();
    wanted = wanted.toLowerCase();
  }
  return filter.prefix ? actual.startsWith(wanted) : actual === wanted;
}

/**
 * The pagination token: where the previous page stopped, in the pool's stable order (creation time,
 * then sub), so a chain of requests never returns a user twice even when users come and go meanwhile.
 */
export interface PagePosition {
  createdAt: number;
  sub: string;
}

export function encodePaginationToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.sub])).toString("base64url");
}

export function decodePaginationToken(token: string): PagePosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "number" && typeof value[1] === "string") {
      return { createdAt: value[0], sub: value[1] };
    }
  } catch {
    // fall through
  }
  throw InvalidParameter("Invalid pagination token.");
}

export function comparePosition(a: PagePosition, b: PagePosition): number {
  return a.createdAt - b.createdAt || (a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0);
}
