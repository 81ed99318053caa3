import type { StoredObject } from "./object-store";
import { S3Errors } from "./s3-errors";

/**
 * Conditional writes (PutObject's If-None-Match and If-Match), as S3 runs them:
 * - `If-None-Match: *` writes only when no object has the key, else 412 PreconditionFailed; S3 accepts no
 *   other value for it on a write;
 * - `If-Match: <etag>` writes only over the object with that ETag: 412 when it differs, 404 NoSuchKey
 *   when there is no object at all;
 * - a condition that held when the request arrived but no longer holds when the object is committed (another
 *   write landed meanwhile) is 409 ConditionalRequestConflict, the answer S3 asks clients to retry.
 * The first check runs before the body is read, so a refused upload sends no bytes to disk; the second
 * runs under the key's lock, at the moment the object becomes visible.
 */
export interface WriteCondition {
  ifNoneMatch?: "*";
  ifMatch?: string;
}

export function parseWriteCondition(header: (name: string) => string | undefined): WriteCondition | undefined {
  const ifNoneMatch = header("if-none-match");
  const ifMatch = header("if-match");
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") throw S3Errors.headerNotImplemented("If-None-Match");
  return { ...(ifNoneMatch !== undefined ? { ifNoneMatch: "*" as const } : {}), ...(ifMatch !== undefined ? { ifMatch: ifMatch.trim() } : {}) };
}

/** Throws S3's refusal when the condition does not hold against the current object (undefined: none). */
export function checkWriteCondition(condition: WriteCondition, key: string, current: StoredObject | undefined): void {
  if (condition.ifNoneMatch && current) throw S3Errors.preconditionFailed("If-None-Match");
  if (condition.ifMatch !== undefined) {
    if (!current) throw S3Errors.noSuchKey(key);
    if (condition.ifMatch !== "*" && unquote(condition.ifMatch) !== unquote(current.etag)) throw S3Errors.preconditionFailed("If-Match");
  }
}

/** The same check at commit time: what held at the start and fails now lost a race, answered as S3 does. */
export function checkAtCommit(condition: WriteCondition, key: string, current: StoredObject | undefined): void {
  try {
    checkWriteCondition(condition, key, current);
  } catch {
    throw S3Errors.conditionalRequestConflict();
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}
