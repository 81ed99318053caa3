import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { MediaRecord } from "@media/core/media-record";
import type { Clock } from "@media/core/ports";
import { call } from "../dynamo-calls";
import { fileKey, recordFromItem } from "./item-codec";
import type { Transactions } from "./transactions";

/** What every part of the repository works with. */
export interface RepositoryContext {
  /** The document client: reads, queries and the listing's pages. */
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Writes: transactions, and single writes under the same retry policy. */
  tx: Transactions;
  /** Decides which pending records have expired where a port call has no `now`. */
  clock: Clock;
  maxPendingUploads: number;
  /** Bound on re-reads after a lost race before answering 429. */
  maxAttempts: number;
}

/** The record as stored, expired pending ones included (the transitions decide what to do with them). */
export async function readRecord(ctx: RepositoryContext, userId: string, fileId: string): Promise<MediaRecord | undefined> {
  const { Item } = await call(ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: fileKey(userId, fileId), ConsistentRead: true })));
  return Item ? recordFromItem(Item) : undefined;
}
