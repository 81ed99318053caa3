import { randomUUID } from "node:crypto";
import { keysFor } from "@media/core/table";
import { describe, expect, it } from "vitest";
import { fixedClock, GiB, nextFileId, observedClient, partitionKeys, pendingRecord, T0, mediaRepositoryPerFile } from "@media/testing/media-records";

/** The transitions to `absent` a user takes: deleted (ready or rejected) and cancelled (pending). */
const { db, repoFor } = mediaRepositoryPerFile();

async function fileIn(userId: string, state: "pending" | "ready" | "rejected", size: number) {
  const record = pendingRecord(userId, { size });
  await repoFor().createPending(record, GiB, T0);
  if (state === "ready") await repoFor().markReady(userId, record.fileId, { size, metadata: {} });
  if (state === "rejected") await repoFor().markRejected(userId, record.fileId, "bad");
  return record;
}

describe("deleted: ready | rejected → absent", () => {
  it("removes a ready file and gives its usage back once", async () => {
    const userId = randomUUID();
    const keep = await fileIn(userId, "ready", 100);
    const gone = await fileIn(userId, "ready", 250);
    expect(await repoFor().remove(userId, gone.fileId)).toMatchObject({ fileId: gone.fileId, status: "ready", size: 250 });
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 100, reservedBytes: 0 });
    expect(await repoFor().remove(userId, gone.fileId)).toBeUndefined();
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 100, reservedBytes: 0 });
    expect((await partitionKeys(db(), userId)).sort()).toEqual([keysFor.file(keep.fileId), keysFor.usage].sort());
  });

  it("gives back once when the same file is deleted concurrently: one caller gets the record", async () => {
    const userId = randomUUID();
    const record = await fileIn(userId, "ready", 250);
    const results = await Promise.all(Array.from({ length: 6 }, () => repoFor().remove(userId, record.fileId)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("removes a rejected file, which holds nothing", async () => {
    const userId = randomUUID();
    await fileIn(userId, "ready", 40);
    const rejected = await fileIn(userId, "rejected", 250);
    expect(await repoFor().remove(userId, rejected.fileId)).toMatchObject({ status: "rejected" });
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 40, reservedBytes: 0 });
  });

  it("costs one GetItem and one TransactWriteItems of 4 WCU for a ready file, 6 for a pending one", async () => {
    const userId = randomUUID();
    const ready = await fileIn(userId, "ready", 10);
    const pending = await fileIn(userId, "pending", 10);
    const observed = observedClient(db());
    await repoFor({ client: observed.client }).remove(userId, ready.fileId);
    await repoFor({ client: observed.client }).remove(userId, pending.fileId);
    expect(observed.sent).toEqual([
      { name: "GetCommand", wcu: 0 },
      { name: "TransactWriteItemsCommand", wcu: 4 },
      { name: "GetCommand", wcu: 0 },
      { name: "TransactWriteItemsCommand", wcu: 6 },
    ]);
  });

  it("changes nothing when the process dies before its one write; the repeated DELETE does it", async () => {
    const userId = randomUUID();
    const record = await fileIn(userId, "ready", 70);
    await expect(repoFor({ client: observedClient(db(), { dieAfterWrites: 0 }).client }).remove(userId, record.fileId)).rejects.toThrow("simulated crash");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 70, reservedBytes: 0 });
    expect(await repoFor().remove(userId, record.fileId)).toMatchObject({ fileId: record.fileId });
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("cancelled: pending → absent", () => {
  it("removes a pending file with its marker and gives its reservation back; its late upload counts nothing", async () => {
    const userId = randomUUID();
    const record = await fileIn(userId, "pending", 250);
    expect(await repoFor().remove(userId, record.fileId)).toMatchObject({ status: "pending" });
    expect(await partitionKeys(db(), userId)).toEqual([keysFor.usage]);
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await repoFor().markReady(userId, record.fileId, { size: 250, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    // The room is there again.
    await repoFor().createPending(pendingRecord(userId, { size: 1000 }), 1000, T0);
  });

  it("lets exactly one of a racing cancel and ready win, with usage to match", async () => {
    for (let i = 0; i < 5; i++) {
      const userId = randomUUID();
      const record = await fileIn(userId, "pending", 300);
      const [removed, ready] = await Promise.all([repoFor().remove(userId, record.fileId), repoFor().markReady(userId, record.fileId, { size: 200, metadata: {} })]);
      expect(removed).toBeDefined();
      expect(await repoFor().get(userId, record.fileId)).toBeUndefined();
      // Made ready first, then deleted as a ready file; or cancelled first, and the ready found nothing.
      expect(removed!.status).toBe(ready === "updated" ? "ready" : "pending");
      expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    }
  });

  it("answers undefined for a missing file, another user's file and an expired pending one (whose reservation it releases)", async () => {
    const clock = fixedClock(T0);
    const repo = repoFor({ clock });
    const userId = randomUUID();
    expect(await repo.remove(userId, nextFileId(T0))).toBeUndefined();
    const theirs = await fileIn(randomUUID(), "pending", 10);
    expect(await repo.remove(userId, theirs.fileId)).toBeUndefined();
    expect(await repo.get(theirs.userId, theirs.fileId)).toBeDefined();

    const expired = pendingRecord(userId, { size: 50, expiresAt: Math.floor(T0 / 1000) + 1 });
    await repo.createPending(expired, GiB, T0);
    clock.at = T0 + 5_000;
    expect(await repo.remove(userId, expired.fileId)).toBeUndefined();
    expect(await partitionKeys(db(), userId)).toEqual([keysFor.usage]);
    expect(await repo.usage(userId, T0 + 5_000)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});
