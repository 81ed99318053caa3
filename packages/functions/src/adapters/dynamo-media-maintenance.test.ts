import { randomUUID } from "node:crypto";
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { MediaRecord } from "@media/core/media-record";
import { keysFor, TABLE } from "@media/core/table";
import { monotonicFactory } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite, type LocalDynamo } from "../../test/helpers/dynalite";
import { createDynamoMediaMaintenance, createDynamoMediaRepository } from "./dynamo-media-repository";

/** The recovery scripts' whole-user operations against dynalite, next to what the repository writes. */
let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

const nextFileId = monotonicFactory();
const now = Date.now();
const repo = () => createDynamoMediaRepository({ client: db.client, tableName: db.tableName });
const maintenance = () => createDynamoMediaMaintenance({ client: db.client, tableName: db.tableName });

function pending(userId: string, size: number): MediaRecord {
  const fileId = nextFileId(now);
  return { userId, fileId, fileName: `${fileId}.png`, contentType: "image/png", kind: "image", size, status: "pending", uploadedAt: new Date(now).toISOString(), metadata: {}, expiresAt: Math.ceil(now / 1000) + 3600 };
}

async function usageItem(userId: string) {
  const { Item } = await db.client.send(new GetCommand({ TableName: db.tableName, Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage }, ConsistentRead: true }));
  return Item;
}

/** A user with two ready files (100 + 250 bytes) and one upload in flight (reserving 40). */
async function userWithFiles() {
  const userId = randomUUID();
  const r = repo();
  for (const size of [100, 250]) {
    const record = pending(userId, size);
    await r.createPending(record, 10_000, now);
    expect(await r.markReady(userId, record.fileId, { size, metadata: {} })).toBe("updated");
  }
  inFlight = pending(userId, 40);
  await r.createPending(inFlight, 10_000, now);
  return userId;
}
let inFlight: MediaRecord;

describe("reconcileUsage", () => {
  it("finds nothing to change where the repository kept the usage", async () => {
    const userId = await userWithFiles();
    const before = await usageItem(userId);
    expect(await maintenance().reconcileUsage(userId, { dryRun: false })).toEqual({ before: { files: 2, bytes: 350 }, after: { files: 2, bytes: 350 }, changed: false });
    expect(await usageItem(userId)).toEqual(before);
  });

  it("recomputes drifted counters from the records and keeps the reservations in flight", async () => {
    const userId = await userWithFiles();
    const right = await usageItem(userId);
    await db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage },
        UpdateExpression: "SET #f = :f, #b = :b, #c = :c",
        ExpressionAttributeNames: { "#f": "files", "#b": "bytes", "#c": "committed" },
        ExpressionAttributeValues: { ":f": 5, ":b": 999, ":c": 1039 },
      }),
    );
    const dry = await maintenance().reconcileUsage(userId, { dryRun: true });
    expect(dry).toEqual({ before: { files: 5, bytes: 999 }, after: { files: 2, bytes: 350 }, changed: true });
    expect((await usageItem(userId))?.files).toBe(5);

    expect((await maintenance().reconcileUsage(userId, { dryRun: false })).changed).toBe(true);
    // files, bytes, committed (350 + the 40 reserved) and pendingUploads as the repository had them.
    expect(await usageItem(userId)).toEqual(right);
    expect(await repo().usage(userId, now)).toEqual({ files: 2, bytes: 350, reservedBytes: 40 });
    expect((await maintenance().reconcileUsage(userId, { dryRun: false })).changed).toBe(false);
    // The reservation still works as one: the upload in flight completes and is counted once.
    expect(await repo().markReady(userId, inFlight.fileId, { size: 40, metadata: {} })).toBe("updated");
    expect(await repo().usage(userId, now)).toEqual({ files: 3, bytes: 390, reservedBytes: 0 });
  });

  it("creates the usage item of a user whose records exist without one (the upload in flight lost its reservation with it)", async () => {
    const userId = await userWithFiles();
    await db.client.send(new DeleteCommand({ TableName: db.tableName, Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage } }));
    expect(await maintenance().reconcileUsage(userId, { dryRun: false })).toEqual({ after: { files: 2, bytes: 350 }, changed: true });
    expect(await repo().usage(userId, now)).toEqual({ files: 2, bytes: 350, reservedBytes: 0 });
  });

  it("leaves a user without records and without usage alone", async () => {
    const userId = randomUUID();
    expect(await maintenance().reconcileUsage(userId, { dryRun: false })).toEqual({ after: { files: 0, bytes: 0 }, changed: false });
    expect(await usageItem(userId)).toBeUndefined();
  });
});

describe("user records", () => {
  it("counts and removes every record and the usage item of one user only", async () => {
    const gone = await userWithFiles();
    const kept = await userWithFiles();
    const keptUsage = await usageItem(kept);
    expect(await maintenance().countUserRecords(gone)).toEqual({ records: 3, usage: true });
    expect(await maintenance().removeUserRecords(gone)).toEqual({ records: 3, usage: true });
    expect(await maintenance().countUserRecords(gone)).toEqual({ records: 0, usage: false });
    expect(await maintenance().removeUserRecords(gone)).toEqual({ records: 0, usage: false });
    expect(await maintenance().countUserRecords(kept)).toEqual({ records: 3, usage: true });
    expect(await usageItem(kept)).toEqual(keptUsage);
  });
});
