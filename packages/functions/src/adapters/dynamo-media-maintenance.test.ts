import { randomUUID } from "node:crypto";
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
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

/** A user with two ready files, of 100 and 250 bytes, and nothing in flight. */
async function userWithTwoReadyFiles() {
  const userId = randomUUID();
  const ids: string[] = [];
  for (const size of [100, 250]) {
    const record = pending(userId, size);
    await repo().createPending(record, 10_000, now);
    expect(await repo().markReady(userId, record.fileId, { size, metadata: {} })).toBe("updated");
    ids.push(record.fileId);
  }
  return { userId, small: ids[0]!, large: ids[1]! };
}

/** The table's client, with every command after the first `skip` of them held until the test lets it go. */
function pausingClient(skip: number) {
  let sent = 0;
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const client = {
    async send(command: Parameters<DynamoDBDocumentClient["send"]>[0]) {
      if (sent++ === skip) {
        reached();
        await released;
      }
      return db.client.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, paused, release, sent: () => sent };
}

/** The table's client, failing (as a process dying there would) the first command `fault` picks. */
function crashingClient(fault: (command: unknown) => boolean): DynamoDBDocumentClient {
  let crashed = false;
  return {
    send(command: Parameters<DynamoDBDocumentClient["send"]>[0]) {
      if (!crashed && fault(command)) {
        crashed = true;
        return Promise.reject(new Error("simulated crash"));
      }
      return db.client.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
}

describe("reconcileUsage racing a delete", () => {
  it("finds usage right at every step of a delete and the delete takes the file off once", async () => {
    // How many commands a delete sends undisturbed: the recount runs before each of them in turn.
    const { userId: probe, small: probeFile } = await userWithTwoReadyFiles();
    const counting = pausingClient(Number.POSITIVE_INFINITY);
    await createDynamoMediaRepository({ client: counting.client, tableName: db.tableName }).remove(probe, probeFile);
    const steps = counting.sent();
    expect(steps).toBeGreaterThan(2);

    for (let step = 0; step <= steps; step++) {
      const { userId, small } = await userWithTwoReadyFiles();
      const pausing = pausingClient(step);
      const removing = createDynamoMediaRepository({ client: pausing.client, tableName: db.tableName }).remove(userId, small);
      // The last round pauses nowhere: the recount then runs after the delete.
      if (step < steps) await pausing.paused;
      else await removing;
      const recount = await maintenance().reconcileUsage(userId, { dryRun: false });
      pausing.release();
      expect(await removing, `step ${step}`).toMatchObject({ fileId: small, size: 100 });
      expect(recount.changed, `step ${step}`).toBe(false);
      expect(await usageItem(userId), `step ${step}`).toMatchObject({ files: 1, bytes: 250, committed: 250, pendingUploads: 0, ledger: {} });
    }
  });

  it("leaves usage right when a delete dies after any of its writes, and a repeated delete finishes it", async () => {
    const writes = [
      ["announcing", (c: unknown) => c instanceof UpdateCommand],
      ["giving the file back", (c: unknown) => c instanceof UpdateCommand && JSON.stringify(c.input.ExpressionAttributeValues).includes('"moved":true')],
      ["deleting the record", (c: unknown) => c instanceof DeleteCommand],
      ["clearing the entry", (c: unknown) => c instanceof UpdateCommand && c.input.UpdateExpression?.startsWith("REMOVE") === true],
    ] as const;
    for (const [step, fault] of writes) {
      const { userId, small } = await userWithTwoReadyFiles();
      await expect(createDynamoMediaRepository({ client: crashingClient(fault), tableName: db.tableName }).remove(userId, small), step).rejects.toThrow("simulated crash");
      // Whatever the record's state, usage counts the file iff the delete has not given it back; the recount agrees.
      expect(await maintenance().reconcileUsage(userId, { dryRun: true }), step).toMatchObject({ changed: false });
      const usage = await repo().usage(userId, now);
      expect([step, usage]).toEqual([step, step === "announcing" || step === "giving the file back" ? { files: 2, bytes: 350, reservedBytes: 0 } : { files: 1, bytes: 250, reservedBytes: 0 }]);
      // The API's DELETE is idempotent: calling it again finishes the job.
      const again = await repo().remove(userId, small);
      if (step === "clearing the entry") expect(again, step).toBeUndefined();
      else expect(again, step).toMatchObject({ fileId: small, size: 100 });
      expect(await repo().get(userId, small), step).toBeUndefined();
      expect(await usageItem(userId), step).toMatchObject({ files: 1, bytes: 250, committed: 250, pendingUploads: 0, ledger: {} });
      expect(await maintenance().reconcileUsage(userId, { dryRun: false }), step).toMatchObject({ changed: false });
    }
  });

  it("a delete that read the record before another delete finished gives nothing back a second time", async () => {
    for (let step = 0; step < 6; step++) {
      const { userId, small } = await userWithTwoReadyFiles();
      const pausing = pausingClient(step);
      const late = createDynamoMediaRepository({ client: pausing.client, tableName: db.tableName }).remove(userId, small);
      await pausing.paused;
      expect(await repo().remove(userId, small), `step ${step}`).toMatchObject({ fileId: small });
      pausing.release();
      expect(await late, `step ${step}`).toBeUndefined();
      expect(await usageItem(userId), `step ${step}`).toMatchObject({ files: 1, bytes: 250, committed: 250, pendingUploads: 0, ledger: {} });
    }
  });

  it("ignores a replacement's entry whose record is gone instead of counting its move", async () => {
    const { userId, small } = await userWithTwoReadyFiles();
    // A replacement that takes the file out of usage (rejected), its record then deleted around the repository.
    expect(await repo().startReplacement(userId, small, { size: 100 }, { eTag: "e2" }, { status: "rejected", size: 100, reason: "Not an image." })).toBe("started");
    await db.client.send(new DeleteCommand({ TableName: db.tableName, Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.file(small) } }));
    expect(await maintenance().reconcileUsage(userId, { dryRun: false })).toEqual({ before: { files: 1, bytes: 250 }, after: { files: 1, bytes: 250 }, changed: false });
    expect(await usageItem(userId)).toMatchObject({ files: 1, bytes: 250, committed: 250 });
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
