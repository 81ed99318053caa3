import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { MediaRecord } from "@media/core/media-record";
import type { Clock } from "@media/core/ports";
import { keysFor } from "@media/core/table";
import { monotonicFactory } from "ulid";
import { createDynamoMediaRepository, type DynamoMediaRepositoryOptions } from "@media/functions/adapters/dynamo-media-repository";
import { localDynamoPerFile, type LocalDynamo } from "./local-dynamo";

/** What the repository's tests share: a fixed time, records to write, and clients that count or die. */
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
export const GiB = 1024 ** 3;
export const nextFileId = monotonicFactory();
const UPLOAD_WINDOW_SECONDS = 15 * 60 + 3600;

export function fixedClock(at = T0): Clock & { at: number } {
  const clock = { at, now: () => clock.at };
  return clock;
}

export function pendingRecord(userId: string, overrides: Partial<MediaRecord> & { at?: number } = {}): MediaRecord {
  const { at = T0, ...rest } = overrides;
  return {
    userId,
    fileId: nextFileId(at),
    fileName: "Photo.JPG",
    contentType: "image/jpeg",
    kind: "image",
    size: 100,
    status: "pending",
    uploadedAt: new Date(at).toISOString(),
    metadata: {},
    expiresAt: Math.ceil(at / 1000) + UPLOAD_WINDOW_SECONDS,
    ...rest,
  };
}

/** The repository as the functions build it (services.ts), with a writer client for its transactions. */
export function repoOn(db: LocalDynamo, options: Partial<DynamoMediaRepositoryOptions> = {}) {
  return createDynamoMediaRepository({ client: db.client, writer: options.client ? undefined : db.writer, tableName: db.tableName, clock: fixedClock(), ...options });
}

export async function rawItem(db: LocalDynamo, userId: string, sk: string) {
  const { Item } = await db.client.send(new GetCommand({ TableName: db.tableName, Key: { pk: keysFor.userPartition(userId), sk }, ConsistentRead: true }));
  return Item;
}

/** The sort keys of every item in the user's partition (records, markers, usage, shares). */
export async function partitionKeys(db: LocalDynamo, userId: string): Promise<string[]> {
  const out = await db.client.send(
    new QueryCommand({ TableName: db.tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": keysFor.userPartition(userId) }, ConsistentRead: true }),
  );
  return (out.Items ?? []).map((item) => String(item.sk));
}

const WRITES = new Set(["TransactWriteItemsCommand", "UpdateCommand", "PutCommand", "DeleteCommand", "UpdateItemCommand", "PutItemCommand", "DeleteItemCommand"]);

export interface SentCommand {
  name: string;
  /** Write capacity units DynamoDB charged (asked for with ReturnConsumedCapacity). */
  wcu: number;
}

/**
 * A client that sends what the real one sends, recording each command and the WCU it consumed, and
 * that dies (like a process killed) right after its `dieAfterWrites`-th write was applied, or before
 * any write when 0: every later command fails too, as nothing runs after a crash.
 */
export function observedClient(db: LocalDynamo, options: { dieAfterWrites?: number } = {}) {
  const sent: SentCommand[] = [];
  let writes = 0;
  let dead = false;
  const crash = () => Promise.reject(new Error("simulated crash"));
  const client = {
    config: db.client.config,
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      if (dead) return crash();
      const name = command.constructor.name;
      const isWrite = WRITES.has(name);
      if (isWrite && options.dieAfterWrites === 0) {
        dead = true;
        return crash();
      }
      command.input.ReturnConsumedCapacity = "TOTAL";
      let out: { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> };
      try {
        out = (await db.client.send(command as never)) as typeof out;
      } catch (error) {
        sent.push({ name, wcu: 0 });
        if (isWrite) writes += 1;
        if (isWrite && options.dieAfterWrites === writes) dead = true;
        throw dead ? new Error("simulated crash") : error;
      }
      const consumed = [out.ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      sent.push({ name, wcu: isWrite ? consumed : 0 });
      if (isWrite) {
        writes += 1;
        // Applied, and the process dies before it hears so.
        if (options.dieAfterWrites === writes) {
          dead = true;
          return crash();
        }
      }
      return out;
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent, writes: () => writes };
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/**
 * One local DynamoDB for the calling test file (localDynamoPerFile), and media repositories on it. Call at
 * the top level of the file (it registers the file's beforeAll/afterAll).
 */
export function mediaRepositoryPerFile() {
  const db = localDynamoPerFile();
  return { db, repoFor: (options: Partial<DynamoMediaRepositoryOptions> = {}) => repoOn(db(), options) };
}
