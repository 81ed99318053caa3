import { createHmac, timingSafeEqual } from "node:crypto";
import { ValidationError } from "./errors";

/**
 * Pagination cursors are opaque to clients: a position plus the user and the filters it was issued for,
 * signed with a server secret. A client cannot move a cursor into another user's partition, or reuse
 * it with other filters, and an old one expires; each of these is a 400, never a wrong page.
 */
export interface CursorPosition {
  /** The last fileId of the page the cursor continues after. */
  after: string;
}

export interface CursorContext {
  userId: string;
  /** A stable string of the filters of the listing (type, q, from, to). */
  scope: string;
}

const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function encodeCursor(position: CursorPosition, context: CursorContext, secret: string, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ a: position.after, t: now })).toString("base64url");
  return `${payload}.${sign(payload, context, secret)}`;
}

export function decodeCursor(cursor: string, context: CursorContext, secret: string, now = Date.now()): CursorPosition {
  const [payload, signature, extra] = cursor.split(".");
  if (!payload || !signature || extra !== undefined || cursor.length > 512) throw invalid();
  const expected = Buffer.from(sign(payload, context, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch (cause) {
    throw invalid(cause);
  }
  const { a, t } = (parsed ?? {}) as { a?: unknown; t?: unknown };
  if (typeof a !== "string" || typeof t !== "number") throw invalid();
  if (now - t > MAX_AGE_MS || t - now > 60_000) {
    throw new ValidationError("The cursor has expired; start the listing again.", { code: "InvalidCursor" });
  }
  return { after: a };
}

function sign(payload: string, context: CursorContext, secret: string): string {
  return createHmac("sha256", secret).update(`${context.userId}\n${context.scope}\n${payload}`).digest("base64url");
}

function invalid(cause?: unknown): ValidationError {
  return new ValidationError("The cursor is not valid for this listing.", { code: "InvalidCursor", cause });
}
