import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { keysFor } from "@media/core/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite, type LocalDynamo } from "@media/testing/local-dynamo";
import { partitionKeys, pendingRecord, rawItem } from "@media/testing/media-records";
import { createDynamoMediaMaintenance, createDynamoMediaRepository } from "../dynamo-media-repository";

/**
 * `npm run migrate` on a data directory written by the version before transactions: the fixture was made
 * by that version's own repository (test/fixtures/legacy-ledger/make-fixture.ts says how and what is in it).
 */
const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/legacy-ledger/dynamodb", import.meta.url));
const ANN = "0b2f7a3e-1c4d-4e5f-8a9b-0c1d2e3f4a5b";
const BOB = "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f";
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

let dir: string;
let db: LocalDynamo;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "legacy-ledger-"));
  await cp(FIXTURE, dir, { recursive: true });
  db = await startDynalite({ onDisk: dir, tableName: "media-local" });
});
afterAll(async () => {
  await db?.stop();
  await rm(dir, { recursive: true, force: true });
});

const maintenance = () => createDynamoMediaMaintenance({ client: db.client, tableName: db.tableName });
const repo = (now = T0) => createDynamoMediaRepository({ client: db.client, tableName: db.tableName, clock: { now: () => now } });

async function everything() {
  const out = await db.client.send(new ScanCommand({ TableName: db.tableName, ConsistentRead: true }));
  return (out.Items ?? []).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));
}

describe("migrateLegacy on data written by the ledger version", () => {
  it("starts from what that version wrote: ledgers in the usage items, pending records expiring by TTL", async () => {
    expect(await rawItem(db, ANN, keysFor.usage)).toMatchObject({ files: 2, bytes: 400, committed: 440, pendingUploads: 1, ledger: expect.any(Object) });
    expect((await everything()).filter((i) => i.status === "pending").every((i) => typeof i.expiresAt === "number" && i.pendingUntil === undefined)).toBe(true);
  });

  it("lists what it would convert on a dry run and changes nothing", async () => {
    const before = await everything();
    const report = await maintenance().migrateLegacy({ dryRun: true });
    expect(report).toMatchObject({ users: 2, pendingRecords: 4 });
    expect(report.usage.map((u) => [u.userId, u.recount.changed])).toEqual([
      [ANN, true],
      [BOB, true],
    ]);
    expect(await everything()).toEqual(before);
  });

  it("converts every legacy item, counts usage from the records, and a second run finds nothing", async () => {
    const report = await maintenance().migrateLegacy({ dryRun: false });
    expect(report).toMatchObject({ users: 2, pendingRecords: 4 });
    // ann: 100 + 300 stored, 40 reserved; bob: the rejected file holds nothing, 900 (pruned by the ledger,
    // expired: released by the next presign that needs it) + 7 + 9 reserved.
    expect(await rawItem(db, ANN, keysFor.usage)).toEqual({ pk: keysFor.userPartition(ANN), sk: keysFor.usage, files: 2, bytes: 400, committed: 440, pendingUploads: 1, rev: 1 });
    expect(await rawItem(db, BOB, keysFor.usage)).toEqual({ pk: keysFor.userPartition(BOB), sk: keysFor.usage, files: 0, bytes: 0, committed: 916, pendingUploads: 3, rev: 1 });
    for (const item of (await everything()).filter((i) => i.status === "pending")) {
      expect(item).not.toHaveProperty("expiresAt");
      expect(await partitionKeys(db, String(item.userId))).toContain(keysFor.pendingUpload(Number(item.pendingUntil), String(item.fileId)));
    }
    const after = await everything();
    expect(await maintenance().migrateLegacy({ dryRun: false })).toEqual({ users: 0, pendingRecords: 0, usage: [] });
    expect(await everything()).toEqual(after);
  });

  it("leaves data the transitions carry on with: a migrated upload becomes ready once, an abandoned one is released", async () => {
    const pending = (await everything()).find((i) => i.userId === ANN && i.status === "pending")!;
    expect(await repo().markReady(ANN, String(pending.fileId), { size: 35, metadata: {} })).toBe("updated");
    expect(await repo().markReady(ANN, String(pending.fileId), { size: 35, metadata: {} })).toBe("unchanged");
    expect(await repo().usage(ANN, T0)).toEqual({ files: 3, bytes: 435, reservedBytes: 0 });
    // bob's quota is 1000: the 900 bytes of the expired upload are given back to the presign that needs them.
    const later = T0 + 2 * 3600_000;
    await repo(later).createPending(pendingRecord(BOB, { size: 900, at: later }), 1000, later);
    expect(await repo(later).usage(BOB, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 900 });
    expect((await maintenance().reconcileUsage(BOB, { dryRun: true })).changed).toBe(false);
  });
});
