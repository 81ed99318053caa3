import { createHash } from "node:crypto";
import type { DynaliteError, DynaliteStore, LevelBatchOperation } from "./dynalite-internals";

/**
 * `ClientRequestToken` of TransactWriteItems: the same token with the same request within 10 minutes of the
 * first one's completion succeeds again without applying anything; with other parameters it is
 * IdempotentParameterMismatchException; after 10 minutes it is a new request.
 *
 * A token is recorded in the same LevelDB batch as the transaction's writes, so after a crash the token
 * is known exactly when the transaction was applied, and a client that retries after losing the answer
 * never applies it twice. Only applied transactions are recorded: a cancelled one changed nothing, so a
 * retry with its token is evaluated again. Records live under their own key prefix beside dynalite's
 * tables; expired ones are deleted by the next commit of a token.
 */
export const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
const PREFIX = "txn-token~";

interface TokenRecord {
  fingerprint: string;
  completedAt: number;
}

export interface ClientTokens {
  /**
   * Runs `write` once for a token: a repeat of an applied request answers `{}` without running it (with no
   * ConsumedCapacity, where DynamoDB reports the read units of checking the items again), another request
   * under the same token is IdempotentParameterMismatchException. Requests of one token run one at a time.
   * `write` calls `record` for the batch operations that record the token, once its conditions held.
   */
  once(token: string, fingerprint: string, write: (record: () => LevelBatchOperation[]) => Promise<Record<string, unknown>>): Promise<Record<string, unknown>>;
}

/**
 * What identifies a request apart from its token: its actions, as sent (key order aside). The SHA-256 of
 * `canonicalJson([TransactItems, ReturnItemCollectionMetrics ?? null])`; fingerprints are kept with their
 * tokens on disk, so this text must not change.
 */
export function fingerprintOf(request: { TransactItems?: unknown; ReturnItemCollectionMetrics?: unknown }): string {
  return createHash("sha256")
    .update(canonicalJson([request.TransactItems, request.ReturnItemCollectionMetrics ?? null]))
    .digest("base64url");
}

/**
 * JSON of parsed JSON with every object's keys sorted: exactly `JSON.stringify` of the value rebuilt with
 * sorted keys (which then come out in JavaScript's property order: array-index keys ascending by number,
 * the others as sorted). Written out because the rebuilding cost a copy of every object of every
 * transaction (`Object.fromEntries` of sorted entries) on the local DynamoDB's thread.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = "{";
  let first = true;
  for (const key of propertyOrder(keys)) {
    const member = record[key];
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/** Sorted keys in the order an object created with them in that order would list them. */
function propertyOrder(sorted: string[]): string[] {
  const indices = sorted.filter(isArrayIndex);
  if (indices.length === 0) return sorted;
  return [...indices.sort((a, b) => Number(a) - Number(b)), ...sorted.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  // Most keys (DynamoDB's member names, attribute names) do not start with a digit: no number to parse.
  const first = key.charCodeAt(0);
  if (!(first >= 48 && first <= 57) || key.length > 10) return false;
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < 4294967295 && String(n) === key;
}

export function clientTokens(store: DynaliteStore, now: () => number = Date.now): ClientTokens {
  // Every unexpired token, oldest first (a Map keeps insertion order): loaded once from the store.
  let loading: Promise<Map<string, TokenRecord>> | undefined;
  const inFlight = new Map<string, Promise<unknown>>();

  const exclusive = <T>(token: string, work: () => Promise<T>): Promise<T> => {
    const current = (inFlight.get(token) ?? Promise.resolve()).then(work, work);
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    inFlight.set(token, settled);
    void settled.then(() => {
      if (inFlight.get(token) === settled) inFlight.delete(token);
    });
    return current;
  };

  /** The operations that record `token` now, and delete the records that have expired. */
  const record = (tokens: Map<string, TokenRecord>, token: string, fingerprint: string): LevelBatchOperation[] => {
    const at = now();
    const operations: LevelBatchOperation[] = [];
    for (const [old, { completedAt }] of tokens) {
      if (at - completedAt < TOKEN_LIFETIME_MS) break;
      operations.push({ type: "del", key: PREFIX + old });
      tokens.delete(old);
    }
    tokens.delete(token);
    tokens.set(token, { fingerprint, completedAt: at });
    operations.push({ type: "put", key: PREFIX + token, value: tokens.get(token) });
    return operations;
  };

  return {
    once: (token, fingerprint, write) =>
      exclusive(token, async () => {
        const tokens = await (loading ??= loadTokens(store));
        const seen = tokens.get(token);
        if (seen && now() - seen.completedAt < TOKEN_LIFETIME_MS) {
          if (seen.fingerprint !== fingerprint) throw mismatch();
          return {};
        }
        try {
          return await write(() => record(tokens, token, fingerprint));
        } catch (error) {
          // Not applied (cancelled, or the batch failed): the token stays unused.
          tokens.delete(token);
          throw error;
        }
      }),
  };
}

async function loadTokens(store: DynaliteStore): Promise<Map<string, TokenRecord>> {
  const records: [string, TokenRecord][] = [];
  for await (const [key, value] of store.db.iterator({ gte: PREFIX, lt: `${PREFIX}\xff` })) records.push([key.slice(PREFIX.length), value as TokenRecord]);
  records.sort(([, a], [, b]) => a.completedAt - b.completedAt);
  return new Map(records);
}

function mismatch(): DynaliteError {
  const message = "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.";
  return Object.assign(new Error(message), {
    statusCode: 400,
    body: { __type: "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", message },
  });
}
