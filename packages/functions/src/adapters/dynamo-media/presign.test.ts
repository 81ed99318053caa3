import { randomUUID } from "node:crypto";
import { ConflictError, TooManyRequestsError } from "@media/core/errors";
import { QuotaExceededError } from "@media/core/quota";
import { keysFor } from "@media/core/table";
import { describe, expect, it } from "vitest";
import { fixedClock, GiB, observedClient, partitionKeys, pendingRecord, rawItem, rejection, T0, mediaRepositoryPerFile } from "@media/testing/media-records";

/** The `presign` and `released` transitions (core/file-lifecycle.ts): absent → pending → absent. */
const { db, repoFor } = mediaRepositoryPerFile();

describe("presign: absent → pending", () => {
  it("writes the record, its marker and the reservation together; the record reads back as written", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 1234, metadata: { width: 10 }, kind: "audio", contentType: "audio/mpeg", fileName: "Song OF Songs.mp3" });
    await repo.createPending(record, GiB, T0);
    expect(await repo.get(userId, record.fileId)).toEqual(record);
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 1234 });
    expect(await repo.get(randomUUID(), record.fileId)).toBeUndefined();
    expect(await rawItem(db(), userId, keysFor.file(record.fileId))).toMatchObject({
      gsi1pk: `USER#${userId}#audio`,
      gsi1sk: `FILE#${record.fileId}`,
      fileNameLower: "song of songs.mp3",
      status: "pending",
      pendingUntil: record.expiresAt,
    });
    // Not the table's TTL attribute: DynamoDB must not delete a record that still holds a reservation.
    expect(await rawItem(db(), userId, keysFor.file(record.fileId))).not.toHaveProperty("expiresAt");
    expect((await partitionKeys(db(), userId)).sort()).toEqual([keysFor.file(record.fileId), keysFor.pendingUpload(record.expiresAt!, record.fileId), keysFor.usage].sort());
  });

  it("costs one TransactWriteItems of 6 WCU and no read, with 0 or 120 uploads pending", async () => {
    const userId = randomUUID();
    const costs: Array<{ name: string; wcu: number }[]> = [];
    for (let i = 0; i <= 120; i++) {
      const observed = observedClient(db());
      await repoFor({ client: observed.client }).createPending(pendingRecord(userId, { size: 10 }), GiB, T0);
      if (i === 0 || i === 120) costs.push(observed.sent);
    }
    expect(costs).toEqual([[{ name: "TransactWriteItemsCommand", wcu: 6 }], [{ name: "TransactWriteItemsCommand", wcu: 6 }]]);
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 1210 });
  });

  it("refuses a record that is not pending or has no expiry", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const { expiresAt: _, ...noExpiry } = pendingRecord(userId);
    await expect(repo.createPending(noExpiry, GiB, T0)).rejects.toThrow(/pending record with expiresAt/);
    await expect(repo.createPending({ ...pendingRecord(userId), status: "ready" }, GiB, T0)).rejects.toThrow();
  });

  it("leaves nothing at all when the process dies before its one write", async () => {
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await expect(repoFor({ client: observedClient(db(), { dieAfterWrites: 0 }).client }).createPending(record, 1000, T0)).rejects.toThrow("simulated crash");
    expect(await partitionKeys(db(), userId)).toEqual([]);
  });

  it("answers a duplicate fileId with a conflict and keeps the first reservation", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 10 });
    await repo.createPending(record, GiB, T0);
    expect(await rejection(repo.createPending(record, GiB, T0))).toBeInstanceOf(ConflictError);
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 10 });
  });

  it("reports zeros for a user with nothing", async () => {
    expect(await repoFor().usage(randomUUID(), T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("presign: the quota condition", () => {
  it("accepts an upload that fills the quota exactly and refuses one byte more, saying what is left", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    await repo.createPending(pendingRecord(userId, { size: 600 }), 1000, T0);
    const over = pendingRecord(userId, { size: 401 });
    const error = await rejection(repo.createPending(over, 1000, T0));
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).details).toEqual({ remainingBytes: 400, quotaBytes: 1000 });
    expect(await repo.get(userId, over.fileId)).toBeUndefined();
    await repo.createPending(pendingRecord(userId, { size: 400 }), 1000, T0);
    expect(await rejection(repo.createPending(pendingRecord(userId, { size: 1 }), 1000, T0))).toBeInstanceOf(QuotaExceededError);
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
  });

  it("refuses a first upload larger than the whole quota", async () => {
    const userId = randomUUID();
    expect(await rejection(repoFor().createPending(pendingRecord(userId, { size: 1001 }), 1000, T0))).toBeInstanceOf(QuotaExceededError);
    expect(await partitionKeys(db(), userId)).toEqual([]);
  });

  it("counts stored bytes and reservations together", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const first = pendingRecord(userId, { size: 700 });
    await repo.createPending(first, 1000, T0);
    await repo.markReady(userId, first.fileId, { size: 650, metadata: {} });
    await repo.createPending(pendingRecord(userId, { size: 350 }), 1000, T0);
    const error = await rejection(repo.createPending(pendingRecord(userId, { size: 1 }), 1000, T0));
    expect((error as QuotaExceededError).details).toEqual({ remainingBytes: 0, quotaBytes: 1000 });
  });

  it("never lets 20 concurrent uploads racing for the last bytes exceed the quota", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const base = pendingRecord(userId, { size: 900 });
    await repo.createPending(base, 1000, T0);
    await repo.markReady(userId, base.fileId, { size: 900, metadata: {} });
    const racers = Array.from({ length: 20 }, () => pendingRecord(userId, { size: 30 }));
    const results = await Promise.allSettled(racers.map((r) => repo.createPending(r, 1000, T0)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(QuotaExceededError);
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 900, reservedBytes: 90 });
  });

  it("never exceeds the quota with uneven sizes either, and every refusal is a 413", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const sizes = [400, 300, 250, 200, 150, 100, 90, 60, 33, 7, 1, 500, 120, 80];
    const results = await Promise.allSettled(sizes.map((size) => repo.createPending(pendingRecord(userId, { size }), 1000, T0)));
    const accepted = sizes.filter((_, i) => results[i]!.status === "fulfilled").reduce((a, b) => a + b, 0);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(QuotaExceededError);
    expect(accepted).toBeLessThanOrEqual(1000);
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: accepted });
  });

  it("lets 20 concurrent uploads that all fit succeed", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => repo.createPending(pendingRecord(userId, { size: 5 }), 1000, T0)));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect((await repo.usage(userId, T0)).reservedBytes).toBe(100);
  });

  it("caps pending uploads at the configured count with a 429, the quota aside", async () => {
    const repo = repoFor({ maxPendingUploads: 3 });
    const userId = randomUUID();
    for (let i = 0; i < 3; i++) await repo.createPending(pendingRecord(userId, { size: 1 }), GiB, T0);
    const error = await rejection(repo.createPending(pendingRecord(userId, { size: 1 }), GiB, T0));
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as Error).message).toMatch(/At most 3 uploads/);
  });
});

describe("released: expired pending → absent", () => {
  const soon = Math.floor(T0 / 1000) + 10;
  const later = T0 + 60_000;

  it("gives an abandoned upload's room to the presign that needs it, in the same call, and only then", async () => {
    const repo = repoFor({ clock: fixedClock(later) });
    const userId = randomUUID();
    const stale = pendingRecord(userId, { size: 600, expiresAt: soon });
    await repo.createPending(stale, 1000, T0);
    const alive = pendingRecord(userId, { size: 300 });
    await repo.createPending(alive, 1000, T0);
    // Hidden from reads once expired, but its bytes stay reserved until released.
    expect(await repo.get(userId, stale.fileId)).toBeUndefined();
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 900 });
    // A presign that fits releases nothing.
    await repo.createPending(pendingRecord(userId, { size: 100, at: later }), 1000, later);
    expect(await rawItem(db(), userId, keysFor.file(stale.fileId))).toBeDefined();
    // One that does not fit releases the expired upload and fits.
    await repo.createPending(pendingRecord(userId, { size: 600, at: later }), 1000, later);
    expect(await rawItem(db(), userId, keysFor.file(stale.fileId))).toBeUndefined();
    expect(await rawItem(db(), userId, keysFor.pendingUpload(soon, stale.fileId))).toBeUndefined();
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
    // The released upload can no longer become ready; the live one still can.
    expect(await repo.markReady(userId, stale.fileId, { size: 600, metadata: {} })).toBe("unchanged");
    expect(await repo.markReady(userId, alive.fileId, { size: 300, metadata: {} })).toBe("updated");
    expect(await repo.usage(userId, later)).toEqual({ files: 1, bytes: 300, reservedBytes: 700 });
  });

  it("lets an expired upload still become ready until it is released, without over-committing", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const stale = pendingRecord(userId, { size: 500, expiresAt: soon });
    await repo.createPending(stale, 1000, T0);
    await repo.createPending(pendingRecord(userId, { size: 500, at: later }), 1000, later);
    expect(await repo.markReady(userId, stale.fileId, { size: 300, metadata: {} })).toBe("updated");
    expect(await repo.usage(userId, later)).toEqual({ files: 1, bytes: 300, reservedBytes: 500 });
    const over = await rejection(repo.createPending(pendingRecord(userId, { size: 201, at: later }), 1000, later));
    expect((over as QuotaExceededError).details).toEqual({ remainingBytes: 200, quotaBytes: 1000 });
  });

  it("releases any number of expired uploads (more than one transaction's worth) and keeps the live ones", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const expired = Array.from({ length: 120 }, () => pendingRecord(userId, { size: 5, expiresAt: soon }));
    await Promise.all(expired.map((r) => repo.createPending(r, 1000, T0)));
    const alive = pendingRecord(userId, { size: 100, at: later });
    await repo.createPending(alive, 1000, later);
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 700 });
    await repo.createPending(pendingRecord(userId, { size: 900, at: later }), 1000, later);
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
    expect((await partitionKeys(db(), userId)).filter((sk) => sk.startsWith("FILE#"))).toHaveLength(2);
  });

  it("releases an upload that becomes ready during the release exactly once: the record decides", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const racing = pendingRecord(userId, { size: 400, expiresAt: soon });
    await repo.createPending(racing, 1000, T0);
    const [released, ready] = await Promise.all([repo.releaseExpired(userId, later), repo.markReady(userId, racing.fileId, { size: 400, metadata: {} })]);
    const usage = await repo.usage(userId, later);
    if (ready === "updated") expect([released, usage]).toEqual([0, { files: 1, bytes: 400, reservedBytes: 0 }]);
    else expect([released, usage]).toEqual([1, { files: 0, bytes: 0, reservedBytes: 0 }]);
  });

  it("lets reindex write again the record of an expired upload under its own fileId", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const lost = pendingRecord(userId, { size: 50, expiresAt: soon });
    await repo.createPending(lost, GiB, T0);
    const again = { ...lost, size: 40, expiresAt: Math.floor(later / 1000) + 3600 };
    await repo.createPending(again, GiB, later);
    expect(await repo.get(userId, lost.fileId)).toEqual(again);
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 40 });
  });
});
