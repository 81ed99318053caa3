import { randomUUID } from "node:crypto";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { MediaRepository } from "@media/core/ports";
import { keysFor, TABLE } from "@media/core/table";
import { describe, expect, it } from "vitest";
import { localDynamoPerFile } from "@media/testing/local-dynamo";
import { partitionKeys, pendingRecord, rawItem, repoOn, T0 } from "@media/testing/media-records";
import { createDynamoMediaMaintenance } from "../dynamo-media-repository";

/** The recovery scripts' whole-user operations and the sweep, next to what the repository writes. */
const db = localDynamoPerFile();
const repo = (client?: DynamoDBDocumentClient) => repoOn(db(), client ? { client } : {});
const maintenance = (client?: DynamoDBDocumentClient) => createDynamoMediaMaintenance({ client: client ?? db().client, tableName: db().tableName });
const usageItem = (userId: string) => rawItem(db(), userId, keysFor.usage);

/** A user with two ready files (100 + 250 bytes) and one upload in flight (reserving 40). */
async function userWithFiles() {
  const userId = randomUUID();
  const ids: string[] = [];
  for (const size of [100, 250]) {
    const record = pendingRecord(userId, { size });
    await repo().createPending(record, 10_000, T0);
    expect(await repo().markReady(userId, record.fileId, { size, metadata: {}, eTag: "e1" })).toBe("updated");
    await repo().settle(userId, record.fileId);
    ids.push(record.fileId);
  }
  const inFlight = pendingRecord(userId, { size: 40 });
  await repo().createPending(inFlight, 10_000, T0);
  return { userId, small: ids[0]!, large: ids[1]!, inFlight: inFlight.fileId };
}

const RIGHT = { files: 2, bytes: 350, committed: 390, pendingUploads: 1 };

describe("reconcileUsage", () => {
  it("finds nothing to change where the transitions kept the usage", async () => {
    const { userId } = await userWithFiles();
    expect(await maintenance().reconcileUsage(userId, { dryRun: false })).toEqual({ before: { files: 2, bytes: 350 }, after: { files: 2, bytes: 350 }, changed: false });
    expect(await usageItem(userId)).toMatchObject(RIGHT);
  });

  it("recomputes drifted counters from the records, reservations included; a dry run changes nothing", async () => {
    const { userId } = await userWithFiles();
    await db().client.send(
      new UpdateCommand({
        TableName: db().tableName,
        Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage },
        UpdateExpression: "SET files = :f, bytes = :b, committed = :c, pendingUploads = :p",
        ExpressionAttributeValues: { ":f": 7, ":b": 9, ":c": 3, ":p": 5 },
      }),
    );
    expect(await maintenance().reconcileUsage(userId, { dryRun: true })).toEqual({ before: { files: 7, bytes: 9 }, after: { files: 2, bytes: 350 }, changed: true });
    expect(await usageItem(userId)).toMatchObject({ files: 7, bytes: 9, committed: 3, pendingUploads: 5 });
    expect((await maintenance().reconcileUsage(userId, { dryRun: false })).changed).toBe(true);
    expect(await usageItem(userId)).toMatchObject(RIGHT);
    expect((await maintenance().reconcileUsage(userId, { dryRun: false })).changed).toBe(false);
  });

  it("creates the usage item of a user whose records exist without one, and leaves a user with nothing alone", async () => {
    const { userId } = await userWithFiles();
    await db().client.send(new (await import("@aws-sdk/lib-dynamodb")).DeleteCommand({ TableName: db().tableName, Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage } }));
    expect(await maintenance().reconcileUsage(userId, { dryRun: false })).toEqual({ after: { files: 2, bytes: 350 }, changed: true });
    expect(await usageItem(userId)).toMatchObject(RIGHT);
    const nobody = randomUUID();
    expect(await maintenance().reconcileUsage(nobody, { dryRun: false })).toEqual({ after: { files: 0, bytes: 0 }, changed: false });
    expect(await usageItem(nobody)).toBeUndefined();
  });
});

/** The table's client, with the command after the first `skip` held until the test lets it go. */
function pausingClient(skip: number) {
  let sent = 0;
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const client = {
    config: db().client.config,
    async send(command: Parameters<DynamoDBDocumentClient["send"]>[0]) {
      if (sent++ === skip) {
        reached();
        await released;
      }
      return db().client.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, paused, release, sent: () => sent };
}

describe("reconcileUsage racing the transitions", () => {
  type Files = Awaited<ReturnType<typeof userWithFiles>>;
  const transitions: Array<[string, (r: MediaRepository, f: Files) => Promise<unknown>, typeof RIGHT]> = [
    ["deleted", (r, f) => r.remove(f.userId, f.small), { files: 1, bytes: 250, committed: 290, pendingUploads: 1 }],
    ["cancelled", (r, f) => r.remove(f.userId, f.inFlight), { files: 2, bytes: 350, committed: 350, pendingUploads: 0 }],
    ["ready", (r, f) => r.markReady(f.userId, f.inFlight, { size: 30, metadata: {} }), { files: 3, bytes: 380, committed: 380, pendingUploads: 0 }],
    ["rejected", (r, f) => r.markRejected(f.userId, f.inFlight, "bad"), { files: 2, bytes: 350, committed: 350, pendingUploads: 0 }],
    ["replaced", (r, f) => r.replace(f.userId, f.large, { eTag: "e1", size: 250 }, { eTag: "e2" }, { status: "ready", size: 200, metadata: {} }), { files: 2, bytes: 300, committed: 340, pendingUploads: 1 }],
    ["presign", (r, f) => r.createPending(pendingRecord(f.userId, { size: 5 }), 10_000, T0), { files: 2, bytes: 350, committed: 395, pendingUploads: 2 }],
  ];

  for (const [name, transition, after] of transitions) {
    it(`finds usage right before each request of "${name}", which then moves it once`, async () => {
      const probe = pausingClient(Number.POSITIVE_INFINITY);
      await transition(repo(probe.client), await userWithFiles());
      for (let step = 0; step <= probe.sent(); step++) {
        const files = await userWithFiles();
        const pausing = pausingClient(step);
        const running = transition(repo(pausing.client), files);
        if (step < probe.sent()) await pausing.paused;
        else await running;
        const recount = await maintenance().reconcileUsage(files.userId, { dryRun: false });
        pausing.release();
        await running;
        expect(recount.changed, `step ${step}`).toBe(false);
        expect(await usageItem(files.userId), `step ${step}`).toMatchObject(after);
        expect(await maintenance().reconcileUsage(files.userId, { dryRun: true }), `step ${step}`).toMatchObject({ changed: false });
      }
    });
  }

  it("reads again when a transition lands between its reads and its write, instead of writing a stale total", async () => {
    const { userId, small } = await userWithFiles();
    // Drift, so the recount has something to write; then a delete lands after it read the records.
    await db().client.send(
      new UpdateCommand({
        TableName: db().tableName,
        Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage },
        UpdateExpression: "SET files = :f",
        ExpressionAttributeValues: { ":f": 9 },
      }),
    );
    const pausing = pausingClient(2); // usage read, records query, then the write
    const recount = maintenance(pausing.client).reconcileUsage(userId, { dryRun: false });
    await pausing.paused;
    await repo().remove(userId, small);
    pausing.release();
    expect(await recount).toMatchObject({ changed: true, after: { files: 1, bytes: 250 } });
    expect(await usageItem(userId)).toMatchObject({ files: 1, bytes: 250, committed: 290, pendingUploads: 1 });
  });
});

describe("sweepExpired", () => {
  it("releases every user's expired uploads and nothing else", async () => {
    const expiry = Math.floor(T0 / 1000) + 10;
    const users = [randomUUID(), randomUUID()];
    for (const userId of users) {
      for (let i = 0; i < 3; i++) await repo().createPending(pendingRecord(userId, { size: 7, expiresAt: expiry }), 10_000, T0);
      await repo().createPending(pendingRecord(userId, { size: 11 }), 10_000, T0);
    }
    const swept = await maintenance().sweepExpired(T0 + 60_000);
    expect(swept.released).toBeGreaterThanOrEqual(6);
    for (const userId of users) {
      expect(await repo().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 11 });
      expect((await partitionKeys(db(), userId)).filter((sk) => sk.startsWith("FILE#"))).toHaveLength(1);
    }
    expect((await maintenance().sweepExpired(T0 + 60_000)).released).toBe(0);
  });
});

describe("user records", () => {
  it("counts and removes every record, marker and the usage item of one user only", async () => {
    const gone = await userWithFiles();
    const kept = await userWithFiles();
    const keptItems = await partitionKeys(db(), kept.userId);
    expect(await maintenance().countUserRecords(gone.userId)).toEqual({ records: 3, usage: true });
    expect(await maintenance().removeUserRecords(gone.userId)).toEqual({ records: 3, usage: true });
    expect(await partitionKeys(db(), gone.userId)).toEqual([]);
    expect(await maintenance().countUserRecords(gone.userId)).toEqual({ records: 0, usage: false });
    expect(await maintenance().removeUserRecords(gone.userId)).toEqual({ records: 0, usage: false });
    expect(await partitionKeys(db(), kept.userId)).toEqual(keptItems);
  });
});
