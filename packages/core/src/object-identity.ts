/**
 * Which S3 object, and which event of it, a record describes: the indexer compares an object's eTag and
 * its events' sequencers with those its record holds, to tell a repeated or out-of-order delivery from a
 * new object under the same key.
 */

/**
 * Orders two S3 event sequencers of the same key: negative when `a` is older, positive when newer, 0 for
 * the same event; undefined when either is missing or not hexadecimal (no order known). Sequencers are
 * hexadecimal strings whose lengths may differ, and S3's documentation says to pad the shorter with
 * zeros on the right before comparing them as strings (earlier editions said left; AWS's own event
 * libraries document right). Only events for the same key may be compared.
 */
export function compareSequencers(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b || !HEX.test(a) || !HEX.test(b)) return undefined;
  const width = Math.max(a.length, b.length);
  const x = a.toUpperCase().padEnd(width, "0");
  const y = b.toUpperCase().padEnd(width, "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

const HEX = /^[0-9a-f]+$/i;

/** S3 quotes eTags in headers (`"…"`) and not in event records; the record keeps them unquoted. */
export function normalizeETag(eTag: string | undefined): string | undefined {
  if (!eTag) return undefined;
  const unquoted = eTag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  return unquoted || undefined;
}

/**
 * Whether the object is the one a record describes. An unknown eTag never matches, so the object is
 * inspected. (The eTag of a single-part upload to an SSE-S3 bucket is the MD5 of its bytes, so this
 * trusts that nobody crafts an MD5 collision with their own earlier upload; see the issue notes.)
 */
export function sameETag(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && a === b;
}
