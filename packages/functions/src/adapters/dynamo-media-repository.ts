import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock, MediaRepository } from "@media/core/ports";
import type { RepositoryContext } from "./dynamo-media/context";
import { fileTransitions } from "./dynamo-media/file-transitions";
import { migrateLegacy, type MigrationReport } from "./dynamo-media/legacy-migration";
import { mediaMaintenance, type MediaMaintenance } from "./dynamo-media/maintenance";
import { releaseExpired } from "./dynamo-media/pending-reservations";
import { recordQueries } from "./dynamo-media/record-queries";
import { createTransactions } from "./dynamo-media/transactions";

/**
 * The MediaRepository on DynamoDB. Each change of a file is one transition of its lifecycle
 * (core/file-lifecycle.ts), written as one transaction over its record and its owner's usage counters
 * (dynamo-media/file-transitions.ts, with the calls and WCU each costs); reads and the edits that move
 * no usage are in record-queries.ts; abandoned uploads' reservations in pending-reservations.ts; the
 * recount, purge and sweep in maintenance.ts; the items' layout in item-codec.ts.
 */
export interface DynamoMediaRepositoryOptions {
  client: DynamoDBDocumentClient;
  /**
   * A plain client built with `cacheMiddleware: true`, for the transactions every presign and index
   * makes: its middleware stack is resolved once per command type instead of at every call. Without
   * it, they go through `client`.
   */
  writer?: DynamoDBClient;
  tableName: string;
  /** Decides which pending records have expired in get, update and remove. Defaults to the system clock. */
  clock?: Clock;
  /** Uploads a user may have pending at once, kept as a counter in the usage item (at least 10,000). */
  maxPendingUploads?: number;
  /** Bound on retries after a lost race or a transaction conflict before answering 429. */
  maxAttempts?: number;
  /** Items one list call may examine before it returns what it has, with a cursor to continue. */
  maxExaminedPerList?: number;
}

export const DEFAULT_MAX_PENDING_UPLOADS = 10_000;

function contextOf(options: DynamoMediaRepositoryOptions): RepositoryContext {
  const maxAttempts = options.maxAttempts ?? 10;
  return {
    client: options.client,
    tableName: options.tableName,
    tx: createTransactions({ sender: options.writer ?? options.client, tableName: options.tableName, maxAttempts }),
    clock: options.clock ?? { now: () => Date.now() },
    maxPendingUploads: options.maxPendingUploads ?? DEFAULT_MAX_PENDING_UPLOADS,
    maxAttempts,
  };
}

export type DynamoMediaRepository = MediaRepository & {
  /** Releases the user's expired uploads now (what a presign that does not fit does first). */
  releaseExpired(userId: string, now: number): Promise<number>;
};

export function createDynamoMediaRepository(options: DynamoMediaRepositoryOptions): DynamoMediaRepository {
  const ctx = contextOf(options);
  return {
    ...fileTransitions(ctx),
    ...recordQueries(ctx, options.maxExaminedPerList ?? 5_000),
    releaseExpired: (userId, now) => releaseExpired(ctx, userId, now),
  };
}

export type DynamoMediaMaintenance = MediaMaintenance & {
  /** `npm run migrate`: converts the items of the version before transactions (legacy-migration.ts). */
  migrateLegacy(options: { dryRun: boolean; onUser?: (userId: string) => void }): Promise<MigrationReport>;
};

export function createDynamoMediaMaintenance(options: Pick<DynamoMediaRepositoryOptions, "client" | "writer" | "tableName" | "maxAttempts" | "clock">): DynamoMediaMaintenance {
  const ctx = contextOf(options);
  const maintenance = mediaMaintenance(ctx);
  return { ...maintenance, migrateLegacy: (migration) => migrateLegacy(ctx, maintenance, migration) };
}
