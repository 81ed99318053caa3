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
 * tables, and expired ones are deleted by later commits (and when the store opens).
 */
export const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
const PREFIX = "txn-token~";

interface TokenRecord {
  fingerprint: string;
  completedAt: number;
}

export interface ClientTokens {
  /** Runs `work` with no other request of the same token in flight. */
  exclusive<T>(token: string, work: () => Promise<T>): Promise<T>;
  /** `applied` when the token's transaction already ran; throws on a different request; else `new`. */
  check(token: string, fingerprint: string): Promise<"applied" | "new">;
  /** The batch operations that record the token, and delete records that have expired. */
  record(token: string, fingerprint: string): LevelBatchOperation[];
  /** Forgets what `record` handed out when its batch was not written. */
  unrecord(token: string): void;
}

/** What identifies a request apart from its token: its actions, as sent (key order aside). */
export function fingerprintOf(request: { TransactItems?: unknown; ReturnItemCollectionMetrics?: unknown }): string {
  const canonical = JSON.stringify([request.TransactItems, request.ReturnItemCollectionMetrics ?? null], (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash("sha256").update(canonical).digest("base64url");
}

export function clientTokens(store: DynaliteStore, now: () => number = Date.now): ClientTokens {
  // Every unexpired token, oldest first (a Map keeps insertion order): loaded once from the store.
  let known: Promise<Map<string, TokenRecord>> | undefined;
  const load = () => (known ??= loadTokens(store));
  const inFlight = new Map<string, Promise<unknown>>();
  let loaded: Map<string, TokenRecord> | undefined;

  return {
    async exclusive(token, work) {
      loaded = await load();
      const previous = inFlight.get(token) ?? Promise.resolve();
      const current = previous.then(work, work);
      const settled = current.then(
        () => undefined,
        () => undefined,
      );
      inFlight.set(token, settled);
      void settled.then(() => {
        if (inFlight.get(token) === settled) inFlight.delete(token);
      });
      return current;
    },
    async check(token, fingerprint) {
      const tokens = await load();
      const seen = tokens.get(token);
      if (!seen || now() - seen.completedAt >= TOKEN_LIFETIME_MS) return "new";
      if (seen.fingerprint !== fingerprint) throw mismatch();
      return "applied";
    },
    record(token, fingerprint) {
      const tokens = loaded!;
      const at = now();
      const operations: LevelBatchOperation[] = [];
      for (const [old, { completedAt }] of tokens) {
        if (at - completedAt < TOKEN_LIFETIME_MS) break;
        operations.push({ type: "del", key: PREFIX + old });
        tokens.delete(old);
      }
      const record: TokenRecord = { fingerprint, completedAt: at };
      tokens.delete(token);
      tokens.set(token, record);
      operations.push({ type: "put", key: PREFIX + token, value: record });
      return operations;
    },
    unrecord(token) {
      loaded?.delete(token);
    },
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
