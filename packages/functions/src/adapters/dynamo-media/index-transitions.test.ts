import { randomUUID } from "node:crypto";
import type { Replacement } from "@media/core/ports";
import { keysFor } from "@media/core/table";
import { describe, expect, it } from "vitest";
import { GiB, observedClient, partitionKeys, pendingRecord, rawItem, T0, mediaRepositoryPerFile } from "@media/testing/media-records";

/** The indexer's transitions (core/file-lifecycle.ts): ready, rejected, replaced, replacementRejected, and their announcements. */
const { db, repoFor } = mediaRepositoryPerFile();

async function pendingFile(size = 500, quota = GiB) {
  const userId = randomUUID();
  const record = pendingRecord(userId, { size });
  await repoFor().createPending(record, quota, T0);
  return { userId, fileId: record.fileId, record };
}

async function readyFile(size = 100, version = { eTag: "e1", sequencer: "0A" }) {
  const { userId, fileId } = await pendingFile(100_000);
  expect(await repoFor().markReady(userId, fileId, { size, metadata: { width: 4 }, thumbnailKey: "derived/t.webp", ...version })).toBe("updated");
  expect(await repoFor().settle(userId, fileId, version)).toBe("updated");
  return { userId, fileId };
}

describe("ready: pending → ready", () => {
  it("turns the reservation into the stored size once, however often and concurrently it is delivered", async () => {
    const { userId, fileId } = await pendingFile(500);
    const results = await Promise.all(Array.from({ length: 8 }, () => repoFor().markReady(userId, fileId, { size: 400, metadata: {}, eTag: "e1" })));
    expect(results.filter((r) => r === "updated")).toHaveLength(1);
    expect(await repoFor().markReady(userId, fileId, { size: 400, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 400, reservedBytes: 0 });
  });

  it("stores what was learned, drops the expiry and the marker, and owes media.ready until one caller settles it", async () => {
    const { userId, fileId, record } = await pendingFile(500);
    const version = { eTag: "e1", sequencer: "00A1" };
    await repoFor().markReady(userId, fileId, { size: 90, metadata: { durationSeconds: 3, codec: "mp3" }, thumbnailKey: "derived/t.webp", ...version });
    const ready = await repoFor().get(userId, fileId);
    expect(ready).toMatchObject({ status: "ready", size: 90, declaredSize: 500, metadata: { durationSeconds: 3, codec: "mp3" }, thumbnailKey: "derived/t.webp", ...version, announcement: "media.ready" });
    expect(ready).not.toHaveProperty("expiresAt");
    expect(await partitionKeys(db(), userId)).not.toContain(keysFor.pendingUpload(record.expiresAt!, fileId));
    expect(await repoFor().settle(userId, fileId, { eTag: "other", sequencer: "00A1" })).toBe("unchanged");
    const settled = await Promise.all(Array.from({ length: 4 }, () => repoFor().settle(userId, fileId, version)));
    expect(settled.filter((r) => r === "updated")).toHaveLength(1);
    expect(await repoFor().get(userId, fileId)).not.toHaveProperty("announcement");
  });

  it("costs one GetItem and one TransactWriteItems of 6 WCU, and 1 WCU to settle", async () => {
    const { userId, fileId } = await pendingFile(500);
    const observed = observedClient(db());
    const repo = repoFor({ client: observed.client });
    await repo.markReady(userId, fileId, { size: 400, metadata: { width: 1 }, eTag: "e1" });
    await repo.settle(userId, fileId, { eTag: "e1" });
    expect(observed.sent).toEqual([
      { name: "GetCommand", wcu: 0 },
      { name: "TransactWriteItemsCommand", wcu: 6 },
      { name: "UpdateCommand", wcu: 1 },
    ]);
  });

  for (const dieAfterWrites of [0, 1, 2]) {
    it(`counts once and announces at most once when the delivery dies after ${dieAfterWrites} of its writes (transition, settle)`, async () => {
      const { userId, fileId } = await pendingFile(500);
      const facts = { size: 450, metadata: {}, eTag: "e1", sequencer: "0A" };
      const dying = repoFor({ client: observedClient(db(), { dieAfterWrites }).client });
      await expect((async () => (await dying.markReady(userId, fileId, facts), await dying.settle(userId, fileId, facts)))()).rejects.toThrow("simulated crash");
      // The record and the usage agree at once, whatever point it died at.
      const record = await repoFor().get(userId, fileId);
      expect(await repoFor().usage(userId, T0)).toEqual(record?.status === "ready" ? { files: 1, bytes: 450, reservedBytes: 0 } : { files: 0, bytes: 0, reservedBytes: 500 });
      // The redelivery: its own transition if none happened, then the announcement if still owed.
      const redelivered = await repoFor().markReady(userId, fileId, facts);
      const announced = await repoFor().settle(userId, fileId, facts);
      expect([redelivered, announced]).toEqual(dieAfterWrites === 0 ? ["updated", "updated"] : dieAfterWrites === 1 ? ["unchanged", "updated"] : ["unchanged", "unchanged"]);
      expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 450, reservedBytes: 0 });
    });
  }

  it("counts nothing for a record cancelled before its delivery, or never there", async () => {
    const { userId, fileId } = await pendingFile(500);
    await repoFor().remove(userId, fileId);
    expect(await repoFor().markReady(userId, fileId, { size: 500, metadata: {} })).toBe("unchanged");
    expect(await repoFor().markReady(randomUUID(), fileId, { size: 500, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await partitionKeys(db(), userId)).toEqual([keysFor.usage]);
  });
});

describe("rejected: pending → rejected", () => {
  it("releases the reservation, counts nothing, is idempotent and owes media.rejected", async () => {
    const { userId, fileId } = await pendingFile(300);
    expect(await repoFor().markRejected(userId, fileId, "not an image")).toBe("updated");
    expect(await repoFor().markRejected(userId, fileId, "not an image")).toBe("unchanged");
    expect(await repoFor().get(userId, fileId)).toMatchObject({ status: "rejected", rejectionReason: "not an image", announcement: "media.rejected" });
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await repoFor().settle(userId, fileId)).toBe("updated");
    expect(await repoFor().settle(userId, fileId)).toBe("unchanged");
    expect(await repoFor().markReady(userId, fileId, { size: 300, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("lets exactly one of a racing ready and rejected win, with usage to match", async () => {
    for (let i = 0; i < 5; i++) {
      const { userId, fileId } = await pendingFile(300);
      const [ready, rejected] = await Promise.all([repoFor().markReady(userId, fileId, { size: 200, metadata: {} }), repoFor().markRejected(userId, fileId, "bad")]);
      expect([ready, rejected].filter((r) => r === "updated")).toHaveLength(1);
      const status = (await repoFor().get(userId, fileId))?.status;
      expect(status).toBe(ready === "updated" ? "ready" : "rejected");
      expect(await repoFor().usage(userId, T0)).toEqual(status === "ready" ? { files: 1, bytes: 200, reservedBytes: 0 } : { files: 0, bytes: 0, reservedBytes: 0 });
    }
  });
});

describe("replaced and replacementRejected: ready → ready | rejected", () => {
  const from = (size: number) => ({ eTag: "e1", sequencer: "0A", size });
  const to = { eTag: "e2", sequencer: "0B" };
  const bigger: Replacement = { status: "ready", size: 180, metadata: { width: 9 }, thumbnailKey: "derived/t2.webp" };

  it("moves usage by the size difference once, however many deliveries race", async () => {
    const { userId, fileId } = await readyFile(100);
    const results = await Promise.all(Array.from({ length: 6 }, () => repoFor().replace(userId, fileId, from(100), to, bigger)));
    expect(results.filter((r) => r === "updated")).toHaveLength(1);
    expect(results.filter((r) => r !== "updated").every((r) => r === "unchanged")).toBe(true);
    expect(await repoFor().get(userId, fileId)).toMatchObject({ status: "ready", size: 180, metadata: { width: 9 }, thumbnailKey: "derived/t2.webp", ...to, announcement: "media.ready" });
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 180, reservedBytes: 0 });
  });

  it("rejects a replacement: the record says why, keeps no thumbnail or metadata, and the file's count is given back once", async () => {
    const { userId, fileId } = await readyFile(100);
    const outcome: Replacement = { status: "rejected", size: 70, reason: "Not an image." };
    const results = await Promise.all([1, 2, 3].map(() => repoFor().replace(userId, fileId, from(100), to, outcome)));
    expect(results.filter((r) => r === "updated")).toHaveLength(1);
    const record = await repoFor().get(userId, fileId);
    expect(record).toMatchObject({ status: "rejected", rejectionReason: "Not an image.", metadata: {}, announcement: "media.rejected" });
    expect(record).not.toHaveProperty("thumbnailKey");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("waits (busy) while the record owes its last announcement, then replaces", async () => {
    const { userId, fileId } = await pendingFile(100_000);
    await repoFor().markReady(userId, fileId, { size: 100, metadata: {}, eTag: "e1", sequencer: "0A" });
    expect(await repoFor().replace(userId, fileId, from(100), to, bigger)).toBe("busy");
    expect(await repoFor().settle(userId, fileId, from(100))).toBe("updated");
    expect(await repoFor().replace(userId, fileId, from(100), to, bigger)).toBe("updated");
  });

  it("runs one replacement at a time: a third object waits for the second's announcement, then replaces it", async () => {
    const { userId, fileId } = await readyFile(100);
    const third = { eTag: "e3", sequencer: "0C" };
    expect(await repoFor().replace(userId, fileId, from(100), to, bigger)).toBe("updated");
    expect(await repoFor().replace(userId, fileId, from(100), third, bigger)).toBe("busy");
    expect(await repoFor().settle(userId, fileId, to)).toBe("updated");
    // From a stale view (the second object's predecessor) it stays busy; from a fresh read it replaces.
    expect(await repoFor().replace(userId, fileId, from(100), third, bigger)).toBe("busy");
    expect(await repoFor().replace(userId, fileId, { ...to, size: 180 }, third, { status: "ready", size: 50, metadata: {} })).toBe("updated");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 50, reservedBytes: 0 });
  });

  it("moves nothing for a file deleted before or while its replacement is written", async () => {
    const before = await readyFile(100);
    await repoFor().remove(before.userId, before.fileId);
    expect(await repoFor().replace(before.userId, before.fileId, from(100), to, bigger)).toBe("unchanged");
    expect(await repoFor().usage(before.userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });

    for (let i = 0; i < 5; i++) {
      const racing = await readyFile(100);
      await Promise.all([repoFor().replace(racing.userId, racing.fileId, from(100), to, bigger), repoFor().remove(racing.userId, racing.fileId)]);
      expect(await repoFor().get(racing.userId, racing.fileId)).toBeUndefined();
      expect(await repoFor().usage(racing.userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    }
  });

  for (const dieAfterWrites of [0, 1, 2]) {
    it(`moves the count once when the delivery dies after ${dieAfterWrites} of its writes (transition, settle)`, async () => {
      const { userId, fileId } = await readyFile(100);
      const dying = repoFor({ client: observedClient(db(), { dieAfterWrites }).client });
      await expect((async () => (await dying.replace(userId, fileId, from(100), to, bigger), await dying.settle(userId, fileId, to)))()).rejects.toThrow("simulated crash");
      const record = await repoFor().get(userId, fileId);
      expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: record!.size, reservedBytes: 0 });
      // The redelivery reads the record again: if it already describes the new object, it only settles.
      const redelivered = record?.eTag === to.eTag ? "unchanged" : await repoFor().replace(userId, fileId, from(100), to, bigger);
      const announced = await repoFor().settle(userId, fileId, to);
      expect([redelivered, announced]).toEqual(dieAfterWrites === 0 ? ["updated", "updated"] : dieAfterWrites === 1 ? ["unchanged", "updated"] : ["unchanged", "unchanged"]);
      expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 180, reservedBytes: 0 });
    });
  }

  it("costs one TransactWriteItems of 4 WCU (the record alone, 2 WCU, when the size is the same)", async () => {
    const { userId, fileId } = await readyFile(100);
    const observed = observedClient(db());
    await repoFor({ client: observed.client }).replace(userId, fileId, from(100), to, bigger);
    await repoFor({ client: observed.client }).settle(userId, fileId, to);
    await repoFor({ client: observed.client }).replace(userId, fileId, { ...to, size: 180 }, { eTag: "e3", sequencer: "0C" }, { ...bigger, size: 180 });
    expect(observed.sent).toEqual([
      { name: "TransactWriteItemsCommand", wcu: 4 },
      { name: "UpdateCommand", wcu: 1 },
      { name: "TransactWriteItemsCommand", wcu: 2 },
    ]);
    expect(await rawItem(db(), userId, keysFor.usage)).toMatchObject({ files: 1, bytes: 180, committed: 180 });
  });
});
