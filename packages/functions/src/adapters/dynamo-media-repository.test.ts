import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, TooManyRequestsError } from "@media/core/errors";
import type { MediaKind } from "@media/core/media-types";
import type { MediaRecord } from "@media/core/media-record";
import type { Clock, ListQuery, MediaRepository } from "@media/core/ports";
import { QuotaExceededError } from "@media/core/quota";
import { keysFor } from "@media/core/table";
import { fileIdBound } from "@media/core/time-bounds";
import { monotonicFactory } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite, type LocalDynamo } from "../../test/helpers/dynalite";
import { createDynamoMediaRepository, type DynamoMediaRepositoryOptions } from "./dynamo-media-repository";

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3600;
const nextFileId = monotonicFactory();
const GiB = 1024 ** 3;

function fixedClock(at = T0): Clock & { at: number } {
  const clock = { at, now: () => clock.at };
  return clock;
}

/**
 * As the functions build it (services.ts), with a plain writer client for the conditional writes; a test
 * that brings its own client (to count calls or simulate a crash) gets every call through that client.
 */
function repoFor(options: Partial<DynamoMediaRepositoryOptions> = {}): MediaRepository {
  return createDynamoMediaRepository({ client: db.client, writer: options.client ? undefined : db.writer, tableName: db.tableName, clock: fixedClock(), ...options });
}

function pendingRecord(userId: string, overrides: Partial<MediaRecord> & { at?: number } = {}): MediaRecord {
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
    expiresAt: Math.ceil(at / 1000) + 15 * 60 + HOUR,
    ...rest,
  };
}

async function rawItem(userId: string, sk: string) {
  const { Item } = await db.client.send(new GetCommand({ TableName: db.tableName, Key: { pk: keysFor.userPartition(userId), sk }, ConsistentRead: true }));
  return Item;
}

/** A client that behaves like the real one until `fault` says this command is where the process dies. */
function crashingClient(fault: (command: unknown) => boolean): DynamoDBDocumentClient {
  const real = db.client;
  return {
    send(command: Parameters<DynamoDBDocumentClient["send"]>[0]) {
      if (fault(command)) return Promise.reject(new Error("simulated crash"));
      return real.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
}

const isRecordUpdate = (c: unknown) => c instanceof UpdateCommand && String(c.input.Key?.sk).startsWith("FILE#");
const isUsageUpdate = (c: unknown) => c instanceof UpdateCommand && c.input.Key?.sk === keysFor.usage;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("createPending and get", () => {
  it("writes a pending record that reads back as written, with its bytes reserved", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 1234, metadata: { width: 10 } });
    await repo.createPending(record, GiB, T0);
    expect(await repo.get(userId, record.fileId)).toEqual(record);
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 1234 });
    // Another user's partition does not have it.
    expect(await repo.get(randomUUID(), record.fileId)).toBeUndefined();
  });

  it("stores the item with its keys, search column and TTL attribute; ready removes the TTL", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { kind: "audio", contentType: "audio/mpeg", fileName: "Song OF Songs.mp3" });
    await repo.createPending(record, GiB, T0);
    const item = await rawItem(userId, keysFor.file(record.fileId));
    expect(item).toMatchObject({
      pk: `USER#${userId}`,
      sk: `FILE#${record.fileId}`,
      gsi1pk: `USER#${userId}#audio`,
      gsi1sk: `FILE#${record.fileId}`,
      fileNameLower: "song of songs.mp3",
      status: "pending",
      expiresAt: record.expiresAt,
    });
    expect(await repo.markReady(userId, record.fileId, { size: 90, metadata: { durationSeconds: 3, codec: "mp3" }, sequencer: "00A1" })).toBe("updated");
    const ready = await rawItem(userId, keysFor.file(record.fileId));
    expect(ready).toMatchObject({ status: "ready", size: 90, metadata: { durationSeconds: 3, codec: "mp3" }, sequencer: "00A1" });
    expect(ready).not.toHaveProperty("expiresAt");
  });

  it("refuses a record that is not pending or has no expiry", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const { expiresAt: _, ...noExpiry } = pendingRecord(userId);
    await expect(repo.createPending(noExpiry, GiB, T0)).rejects.toThrow(/pending record with expiresAt/);
    await expect(repo.createPending({ ...pendingRecord(userId), status: "ready" }, GiB, T0)).rejects.toThrow();
  });

  it("writes nothing and gives the reservation back when the record cannot be written", async () => {
    const userId = randomUUID();
    const repo = repoFor({ client: crashingClient((c) => c instanceof PutCommand && String(c.input.Item?.sk).startsWith("FILE#")) });
    const record = pendingRecord(userId, { size: 500 });
    await expect(repo.createPending(record, 1000, T0)).rejects.toThrow("simulated crash");
    expect(await repoFor().get(userId, record.fileId)).toBeUndefined();
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("answers a duplicate fileId with a conflict and keeps the first reservation", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 10 });
    await repo.createPending(record, GiB, T0);
    expect(await rejection(repo.createPending(record, GiB, T0))).toBeInstanceOf(ConflictError);
    expect((await repo.usage(userId, T0)).reservedBytes).toBe(10);
  });

  it("reserves and writes with two conditional writes and no read once the user has a usage item", async () => {
    const userId = randomUUID();
    await repoFor().createPending(pendingRecord(userId, { size: 10 }), GiB, T0);
    const sent: string[] = [];
    const counting = {
      send(command: { constructor: { name: string } }) {
        sent.push(command.constructor.name);
        return db.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const record = pendingRecord(userId, { size: 20 });
    await repoFor({ client: counting }).createPending(record, GiB, T0);
    expect(sent).toEqual(["UpdateCommand", "PutCommand"]);
    expect(await repoFor().get(userId, record.fileId)).toEqual(record);
    expect((await repoFor().usage(userId, T0)).reservedBytes).toBe(30);
  });

  it("sends those two writes through the writer client when it has one, marshalled as the document client does", async () => {
    // Built as services.ts builds it: a document client that drops undefined values, used before.
    const base = new DynamoDBClient({ endpoint: db.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const document = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
    try {
      const userId = randomUUID();
      const asInServices = (client: DynamoDBDocumentClient, writer: DynamoDBClient) => createDynamoMediaRepository({ client, writer, tableName: db.tableName, clock: fixedClock() });
      await asInServices(document, db.writer).createPending(pendingRecord(userId, { size: 10 }), GiB, T0);
      const sent: string[] = [];
      const spy = <C extends { send(command: never): Promise<unknown> }>(real: C, name: string) =>
        ({
          config: (real as unknown as { config: unknown }).config,
          send(command: { constructor: { name: string } }) {
            sent.push(`${name} ${command.constructor.name}`);
            return real.send(command as never);
          },
        }) as unknown as C;
      const record = { ...pendingRecord(userId, { size: 20 }), description: undefined };
      await asInServices(spy(document, "document"), spy(db.writer, "writer")).createPending(record, GiB, T0);
      expect(sent).toEqual(["writer UpdateItemCommand", "writer PutItemCommand"]);
      expect(await repoFor().get(userId, record.fileId)).toEqual(record);
      expect((await repoFor().usage(userId, T0)).reservedBytes).toBe(30);
    } finally {
      document.destroy();
      base.destroy();
    }
  });

  it("reports zeros for a user with nothing", async () => {
    expect(await repoFor().usage(randomUUID(), T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("quota", () => {
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
    const oneMore = await rejection(repo.createPending(pendingRecord(userId, { size: 1 }), 1000, T0));
    expect(oneMore).toBeInstanceOf(QuotaExceededError);
    expect((oneMore as QuotaExceededError).details).toEqual({ remainingBytes: 0, quotaBytes: 1000 });
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
  });

  it("counts ready bytes and reservations together", async () => {
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
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(3);
    for (const r of lost) expect(r.reason).toBeInstanceOf(QuotaExceededError);
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 900, reservedBytes: 90 });
    // Exactly the winners have records.
    const present = await Promise.all(racers.map((r) => repo.get(userId, r.fileId)));
    expect(present.filter(Boolean)).toHaveLength(3);
  });

  it("never exceeds the quota with uneven sizes either", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const sizes = Array.from({ length: 20 }, (_, i) => 37 + ((i * 53) % 140));
    const results = await Promise.allSettled(sizes.map((size) => repo.createPending(pendingRecord(userId, { size }), 1000, T0)));
    const reserved = sizes.filter((_, i) => results[i]!.status === "fulfilled").reduce((a, b) => a + b, 0);
    expect(reserved).toBeLessThanOrEqual(1000);
    // Whatever lost did not fit at the time it was decided.
    const usage = await repo.usage(userId, T0);
    expect(usage.reservedBytes).toBe(reserved);
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") {
        expect(r.reason).toBeInstanceOf(QuotaExceededError);
        expect(sizes[i]!).toBeGreaterThan(1000 - reserved);
      }
    }
  });

  it("lets 20 concurrent uploads that all fit succeed without a retry storm", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => repo.createPending(pendingRecord(userId, { size: 5 }), 1000, T0)));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect((await repo.usage(userId, T0)).reservedBytes).toBe(100);
  });

  it("stops counting expired reservations, and a dead pending record can no longer become ready", async () => {
    const clock = fixedClock(T0);
    const repo = repoFor({ clock });
    const userId = randomUUID();
    const stale = pendingRecord(userId, { size: 1000, expiresAt: Math.floor(T0 / 1000) + 60 });
    await repo.createPending(stale, 1000, T0);
    expect(await rejection(repo.createPending(pendingRecord(userId, { size: 1 }), 1000, T0))).toBeInstanceOf(QuotaExceededError);

    const later = T0 + 61_000;
    clock.at = later;
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await repo.get(userId, stale.fileId)).toBeUndefined();
    expect((await repo.list(userId, { limit: 10 }, later)).records).toEqual([]);

    const fresh = pendingRecord(userId, { size: 1000, at: later });
    await repo.createPending(fresh, 1000, later);
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
    // Its reservation was pruned to make room: it must not be counted on top of the new one.
    expect(await repo.markReady(userId, stale.fileId, { size: 1000, metadata: {} })).toBe("unchanged");
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
  });

  it("keeps an expired reservation's bytes committed until it is pruned, so claiming it late never over-commits", async () => {
    const clock = fixedClock(T0);
    const repo = repoFor({ clock });
    const userId = randomUUID();
    const stale = pendingRecord(userId, { size: 300, expiresAt: Math.floor(T0 / 1000) + 60 });
    await repo.createPending(stale, 1000, T0);
    const later = T0 + 61_000;
    clock.at = later;
    // Fits next to the expired reservation, so nothing needs pruning yet.
    await repo.createPending(pendingRecord(userId, { size: 500, at: later }), 1000, later);
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 500 });
    // Its late delivery finds the bytes still held and counts them once.
    expect(await repo.markReady(userId, stale.fileId, { size: 300, metadata: {} })).toBe("updated");
    expect(await repo.usage(userId, later)).toEqual({ files: 1, bytes: 300, reservedBytes: 500 });
    const over = await rejection(repo.createPending(pendingRecord(userId, { size: 201, at: later }), 1000, later));
    expect((over as QuotaExceededError).details).toEqual({ remainingBytes: 200, quotaBytes: 1000 });
    expect(await rawItem(userId, keysFor.usage)).toMatchObject({ committed: 800, bytes: 300, pendingUploads: 1 });
  });

  it("prunes many expired reservations at once (more than one expression's worth)", async () => {
    const repo = repoFor({ maxPendingUploads: 130 });
    const userId = randomUUID();
    const soon = Math.floor(T0 / 1000) + 30;
    for (let i = 0; i < 120; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => repo.createPending(pendingRecord(userId, { size: 5, expiresAt: soon }), 1000, T0)));
    }
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 600 });
    const later = T0 + 60_000;
    await repo.createPending(pendingRecord(userId, { size: 1000, at: later }), 1000, later);
    expect(await repo.usage(userId, later)).toEqual({ files: 0, bytes: 0, reservedBytes: 1000 });
    const usageItem = await rawItem(userId, keysFor.usage);
    expect(Object.keys(usageItem?.ledger ?? {})).toHaveLength(1);
    expect(usageItem).toMatchObject({ committed: 1000, pendingUploads: 1 });
  });

  it("caps the number of pending uploads per user", async () => {
    const repo = repoFor({ maxPendingUploads: 3 });
    const userId = randomUUID();
    for (let i = 0; i < 3; i++) await repo.createPending(pendingRecord(userId, { size: 1 }), GiB, T0);
    const error = await rejection(repo.createPending(pendingRecord(userId, { size: 1 }), GiB, T0));
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as Error).message).toMatch(/At most 3 uploads may be pending/);
  });
});

describe("markReady", () => {
  it("counts usage once however often it is delivered", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await repo.createPending(record, GiB, T0);
    expect(await repo.markReady(userId, record.fileId, { size: 400, metadata: { width: 4, height: 3 }, thumbnailKey: "derived/x/thumb.webp" })).toBe("updated");
    expect(await repo.markReady(userId, record.fileId, { size: 400, metadata: { width: 4, height: 3 } })).toBe("unchanged");
    const again = await Promise.all([1, 2, 3].map(() => repo.markReady(userId, record.fileId, { size: 400, metadata: {} })));
    expect(again).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 400, reservedBytes: 0 });
    expect(await repo.get(userId, record.fileId)).toMatchObject({ status: "ready", size: 400, metadata: { width: 4, height: 3 }, thumbnailKey: "derived/x/thumb.webp" });
  });

  it("counts once when concurrent deliveries race", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await repo.createPending(record, GiB, T0);
    const results = await Promise.all(Array.from({ length: 8 }, () => repo.markReady(userId, record.fileId, { size: 500, metadata: {} })));
    expect(results.filter((r) => r === "updated")).toHaveLength(1);
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
  });

  it("counts once when the process died between counting and marking the record ready", async () => {
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await repoFor().createPending(record, GiB, T0);
    const dying = repoFor({ client: crashingClient(isRecordUpdate) });
    await expect(dying.markReady(userId, record.fileId, { size: 450, metadata: {} })).rejects.toThrow("simulated crash");
    // Step 1 happened: the bytes are counted, the record is still pending.
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 450, reservedBytes: 0 });
    expect((await repoFor().get(userId, record.fileId))?.status).toBe("pending");

    expect(await repoFor().markReady(userId, record.fileId, { size: 450, metadata: {} })).toBe("updated");
    expect(await repoFor().markReady(userId, record.fileId, { size: 450, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 450, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("counts once when the process died after marking the record ready, and lets the redelivery announce it", async () => {
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await repoFor().createPending(record, GiB, T0);
    let usageUpdates = 0;
    // The first usage update is the claim; the second (retiring the token) never happens.
    const dying = repoFor({ client: crashingClient((c) => isUsageUpdate(c) && ++usageUpdates === 2) });
    await expect(dying.markReady(userId, record.fileId, { size: 500, metadata: {} })).rejects.toThrow("simulated crash");
    expect((await repoFor().get(userId, record.fileId))?.status).toBe("ready");

    // The dying call never returned, so nothing announced the file: the redelivery that finishes it does.
    expect(await repoFor().markReady(userId, record.fileId, { size: 500, metadata: {} })).toBe("updated");
    expect(await repoFor().markReady(userId, record.fileId, { size: 500, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("takes the count back when the record was deleted between the steps", async () => {
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await repoFor().createPending(record, GiB, T0);
    await expect(repoFor({ client: crashingClient(isRecordUpdate) }).markReady(userId, record.fileId, { size: 500, metadata: {} })).rejects.toThrow();
    expect(await repoFor().remove(userId, record.fileId)).toMatchObject({ fileId: record.fileId, status: "pending" });
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await repoFor().markReady(userId, record.fileId, { size: 500, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("takes the count back when the pending record vanished (TTL) before the redelivery", async () => {
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 500 });
    await repoFor().createPending(record, GiB, T0);
    await expect(repoFor({ client: crashingClient(isRecordUpdate) }).markReady(userId, record.fileId, { size: 500, metadata: {} })).rejects.toThrow();
    // What DynamoDB's TTL would do: delete the item behind our back.
    await db.client.send(new DeleteCommand({ TableName: db.tableName, Key: { pk: keysFor.userPartition(userId), sk: keysFor.file(record.fileId) } }));
    expect(await repoFor().markReady(userId, record.fileId, { size: 500, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("does nothing for a record that does not exist", async () => {
    const userId = randomUUID();
    expect(await repoFor().markReady(userId, nextFileId(T0), { size: 1, metadata: {} })).toBe("unchanged");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("markRejected", () => {
  it("releases the reservation, counts nothing and is idempotent", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 300 });
    await repo.createPending(record, GiB, T0);
    expect(await repo.markRejected(userId, record.fileId, "stored type text/html differs")).toBe("updated");
    expect(await repo.markRejected(userId, record.fileId, "again")).toBe("unchanged");
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    const rejected = await repo.get(userId, record.fileId);
    expect(rejected).toMatchObject({ status: "rejected", rejectionReason: "stored type text/html differs" });
    expect(rejected).not.toHaveProperty("expiresAt");
    // A late "ready" for a rejected file changes nothing.
    expect(await repo.markReady(userId, record.fileId, { size: 300, metadata: {} })).toBe("unchanged");
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("does not reject a file that is already ready", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 300 });
    await repo.createPending(record, GiB, T0);
    await repo.markReady(userId, record.fileId, { size: 300, metadata: {} });
    expect(await repo.markRejected(userId, record.fileId, "late")).toBe("unchanged");
    expect((await repo.get(userId, record.fileId))?.status).toBe("ready");
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 300, reservedBytes: 0 });
  });
});

describe("replacing a ready file's object", () => {
  const first = { eTag: "e1", sequencer: "0A01" };
  const second = { eTag: "e2", sequencer: "0A02" };
  const bigger = { status: "ready" as const, size: 500, metadata: { width: 50, height: 10 }, thumbnailKey: "derived/x/thumb.webp" };
  const html = { status: "rejected" as const, size: 200, reason: "The file's content is not a recognised image or audio format." };

  /** A ready file of 300 bytes describing `first`, its token settled. */
  async function readyFile(repo = repoFor(), userId: string = randomUUID()) {
    const record = pendingRecord(userId, { size: 600 });
    await repo.createPending(record, GiB, T0);
    expect(await repo.markReady(userId, record.fileId, { size: 300, metadata: { width: 30, height: 10 }, thumbnailKey: "derived/x/thumb.webp", declaredSize: 600, ...first })).toBe("updated");
    return { userId, fileId: record.fileId };
  }

  it("moves usage by the size difference once, however many deliveries race", async () => {
    const repo = repoFor();
    const { userId, fileId } = await readyFile(repo);
    const deliveries = Array.from({ length: 6 }, async () => {
      expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
      return repo.finishReplacement(userId, fileId, first, second, bigger);
    });
    expect((await Promise.all(deliveries)).sort()).toEqual(["unchanged", "unchanged", "unchanged", "unchanged", "unchanged", "updated"]);
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
    expect(await repo.get(userId, fileId)).toMatchObject({ status: "ready", size: 500, declaredSize: 600, metadata: { width: 50, height: 10 }, ...second });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
    // Late repeats of the finished replacement change nothing.
    expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
    expect(await repo.finishReplacement(userId, fileId, first, second, bigger)).toBe("unchanged");
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("rejects a replacement: the record says why, has no thumbnail, and the file's count is given back once", async () => {
    const repo = repoFor();
    const { userId, fileId } = await readyFile(repo);
    const other = await readyFile(repo, userId);
    for (let i = 0; i < 3; i++) {
      expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, html)).toBe("started");
      expect(await repo.finishReplacement(userId, fileId, first, second, html)).toBe(i === 0 ? "updated" : "unchanged");
    }
    const rejected = await repo.get(userId, fileId);
    expect(rejected).toMatchObject({ status: "rejected", rejectionReason: html.reason, size: 200, metadata: {}, ...second });
    expect(rejected).not.toHaveProperty("thumbnailKey");
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 300, reservedBytes: 0 });
    expect(await repo.remove(userId, fileId)).toMatchObject({ status: "rejected" });
    expect(await repo.remove(userId, other.fileId)).toMatchObject({ status: "ready" });
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("runs one replacement at a time: another object waits until the first is recorded, then replaces it", async () => {
    const repo = repoFor();
    const { userId, fileId } = await readyFile(repo);
    const third = { eTag: "e3", sequencer: "0A03" };
    expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
    expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, third, html)).toBe("busy");
    expect(await repo.finishReplacement(userId, fileId, first, second, bigger)).toBe("updated");
    expect(await repo.startReplacement(userId, fileId, { ...second, size: 500 }, third, html)).toBe("started");
    expect(await repo.finishReplacement(userId, fileId, second, third, html)).toBe("updated");
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await repo.get(userId, fileId)).toMatchObject({ status: "rejected", ...third });
  });

  it("writes nothing from a stale view of the record, and moves the count back", async () => {
    const repo = repoFor();
    const { userId, fileId } = await readyFile(repo);
    const stale = { eTag: "e0", sequencer: "0A00" };
    expect(await repo.startReplacement(userId, fileId, { ...stale, size: 100 }, second, bigger)).toBe("started");
    const error = await rejection(repo.finishReplacement(userId, fileId, stale, second, bigger));
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(await repo.get(userId, fileId)).toMatchObject({ status: "ready", size: 300, ...first });
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 300, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("never counts twice for a delivery that read the record before an identical replacement finished", async () => {
    for (const ending of ["settle", "remove"] as const) {
      const repo = repoFor();
      const { userId, fileId } = await readyFile(repo);
      expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
      expect(await repo.finishReplacement(userId, fileId, first, second, bigger)).toBe("updated");
      // The slow delivery, still believing the record describes `first`, moves the count and dies.
      expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
      expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 700, reservedBytes: 0 });
      if (ending === "settle") {
        // The next delivery of the same object finds the stray token and moves the count back.
        expect(await repo.settle(userId, fileId, second)).toBe("unchanged");
        expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
      } else {
        expect(await repo.remove(userId, fileId)).toMatchObject({ size: 500 });
        expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
      }
      expect((await rawItem(userId, keysFor.usage))?.ledger, ending).toEqual({});
    }
  });

  it("moves the count once when the process died between moving it and writing the record", async () => {
    const { userId, fileId } = await readyFile();
    const dying = repoFor({ client: crashingClient(isRecordUpdate) });
    expect(await dying.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
    await expect(dying.finishReplacement(userId, fileId, first, second, bigger)).rejects.toThrow("simulated crash");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });

    // The redelivery inspects the same object again and finishes.
    expect(await repoFor().startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
    expect(await repoFor().finishReplacement(userId, fileId, first, second, bigger)).toBe("updated");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("lets the redelivery announce a replacement whose process died after writing the record", async () => {
    const { userId, fileId } = await readyFile();
    let usageUpdates = 0;
    const dying = repoFor({ client: crashingClient((c) => isUsageUpdate(c) && ++usageUpdates === 2) });
    expect(await dying.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
    await expect(dying.finishReplacement(userId, fileId, first, second, bigger)).rejects.toThrow("simulated crash");
    expect(await repoFor().get(userId, fileId)).toMatchObject({ size: 500, ...second });

    expect(await repoFor().settle(userId, fileId, first)).toBe("unchanged");
    const settled = await Promise.all([1, 2, 3].map(() => repoFor().settle(userId, fileId, second)));
    expect(settled.sort()).toEqual(["unchanged", "unchanged", "updated"]);
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 1, bytes: 500, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("retires an unsettled first-upload token before replacing, and settle announces a first upload whose process died", async () => {
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 600 });
    await repoFor().createPending(record, GiB, T0);
    let usageUpdates = 0;
    const dying = repoFor({ client: crashingClient((c) => isUsageUpdate(c) && ++usageUpdates === 2) });
    await expect(dying.markReady(userId, record.fileId, { size: 300, metadata: {}, ...first })).rejects.toThrow("simulated crash");
    expect(await repoFor().settle(userId, record.fileId, second)).toBe("unchanged");
    expect(await repoFor().settle(userId, record.fileId, first)).toBe("updated");
    expect(await repoFor().settle(userId, record.fileId, first)).toBe("unchanged");

    // The same crash again, then a replacement comes before any redelivery.
    const other = pendingRecord(userId, { size: 600 });
    await repoFor().createPending(other, GiB, T0);
    usageUpdates = 0;
    await expect(dying.markReady(userId, other.fileId, { size: 300, metadata: {}, ...first })).rejects.toThrow("simulated crash");
    expect(await repoFor().startReplacement(userId, other.fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
    expect(await repoFor().finishReplacement(userId, other.fileId, first, second, bigger)).toBe("updated");
    expect(await repoFor().usage(userId, T0)).toEqual({ files: 2, bytes: 800, reservedBytes: 0 });
    expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
  });

  it("leaves usage right when the file is deleted before or after its record was written", async () => {
    for (const crash of ["before record", "after record"] as const) {
      const { userId, fileId } = await readyFile();
      let usageUpdates = 0;
      const dying = repoFor({ client: crashingClient((c) => (crash === "before record" ? isRecordUpdate(c) : isUsageUpdate(c) && ++usageUpdates === 2)) });
      expect(await dying.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
      await expect(dying.finishReplacement(userId, fileId, first, second, bigger)).rejects.toThrow("simulated crash");
      expect(await repoFor().remove(userId, fileId), crash).toMatchObject({ size: crash === "before record" ? 300 : 500 });
      expect(await repoFor().usage(userId, T0), crash).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
      expect((await rawItem(userId, keysFor.usage))?.ledger, crash).toEqual({});
      // The redelivery finds nothing to do.
      expect(await repoFor().finishReplacement(userId, fileId, first, second, bigger), crash).toBe("unchanged");
      expect(await repoFor().usage(userId, T0), crash).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    }
  });

  it("gives the count back once when a delete races the replacement", async () => {
    for (let round = 0; round < 5; round++) {
      const repo = repoFor();
      const { userId, fileId } = await readyFile(repo);
      expect(await repo.startReplacement(userId, fileId, { ...first, size: 300 }, second, bigger)).toBe("started");
      await Promise.all([repo.finishReplacement(userId, fileId, first, second, bigger), repo.remove(userId, fileId)]);
      expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
      expect((await rawItem(userId, keysFor.usage))?.ledger).toEqual({});
    }
  });

  it("records the counted object when a concurrent first delivery counted another object at the key", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 600 });
    await repo.createPending(record, GiB, T0);
    const dying = repoFor({ client: crashingClient(isRecordUpdate) });
    await expect(dying.markReady(userId, record.fileId, { size: 300, metadata: { width: 30 }, ...first })).rejects.toThrow("simulated crash");
    // The object was replaced before the redelivery, which describes the newer one.
    expect(await repo.markReady(userId, record.fileId, { size: 500, metadata: { width: 50 }, ...second })).toBe("updated");
    // Record and usage agree, and the record names the object that was counted (with the event it was
    // read after): the caller sees that it is not its own and handles its object as a replacement.
    expect(await repo.get(userId, record.fileId)).toMatchObject({ size: 300, ...first });
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 300, reservedBytes: 0 });
  });
});

describe("remove", () => {
  it("removes a ready file and its usage once", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const keep = pendingRecord(userId, { size: 100 });
    const gone = pendingRecord(userId, { size: 250 });
    for (const r of [keep, gone]) {
      await repo.createPending(r, GiB, T0);
      await repo.markReady(userId, r.fileId, { size: r.size, metadata: {} });
    }
    expect(await repo.remove(userId, gone.fileId)).toMatchObject({ fileId: gone.fileId, status: "ready", size: 250 });
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 100, reservedBytes: 0 });
    expect(await repo.remove(userId, gone.fileId)).toBeUndefined();
    expect(await repo.usage(userId, T0)).toEqual({ files: 1, bytes: 100, reservedBytes: 0 });
    expect(await repo.get(userId, gone.fileId)).toBeUndefined();
  });

  it("decrements once when the same file is deleted concurrently", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 250 });
    await repo.createPending(record, GiB, T0);
    await repo.markReady(userId, record.fileId, { size: 250, metadata: {} });
    const results = await Promise.all(Array.from({ length: 6 }, () => repo.remove(userId, record.fileId)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("removes a pending file and its reservation", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { size: 250 });
    await repo.createPending(record, 1000, T0);
    expect(await repo.remove(userId, record.fileId)).toMatchObject({ status: "pending" });
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    // Its upload arriving afterwards is not indexed.
    expect(await repo.markReady(userId, record.fileId, { size: 250, metadata: {} })).toBe("unchanged");
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    await repo.createPending(pendingRecord(userId, { size: 1000 }), 1000, T0);
  });

  it("answers undefined for a missing file, another user's file and a dead pending one", async () => {
    const clock = fixedClock(T0);
    const repo = repoFor({ clock });
    const userId = randomUUID();
    expect(await repo.remove(userId, nextFileId(T0))).toBeUndefined();

    const theirs = pendingRecord(randomUUID());
    await repo.createPending(theirs, GiB, T0);
    expect(await repo.remove(userId, theirs.fileId)).toBeUndefined();
    expect(await repo.get(theirs.userId, theirs.fileId)).toBeDefined();

    const dead = pendingRecord(userId, { size: 50, expiresAt: Math.floor(T0 / 1000) + 1 });
    await repo.createPending(dead, GiB, T0);
    clock.at = T0 + 5_000;
    expect(await repo.remove(userId, dead.fileId)).toBeUndefined();
    expect(await rawItem(userId, keysFor.file(dead.fileId))).toBeUndefined();
    expect(await repo.usage(userId, T0)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await repo.usage(userId, T0 + 5_000)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("update", () => {
  it("renames, describes and tags; null removes", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const record = pendingRecord(userId, { fileName: "old.jpg" });
    await repo.createPending(record, GiB, T0);
    const renamed = await repo.update(userId, record.fileId, { fileName: "New NAME.jpg", description: "at the beach", tags: ["sea", "sun"] });
    expect(renamed).toMatchObject({ fileName: "New NAME.jpg", description: "at the beach", tags: ["sea", "sun"] });
    expect(await rawItem(userId, keysFor.file(record.fileId))).toMatchObject({ fileNameLower: "new name.jpg" });
    expect((await repo.list(userId, { limit: 10, q: "new name" }, T0)).records.map((r) => r.fileId)).toEqual([record.fileId]);

    const cleared = await repo.update(userId, record.fileId, { description: null, tags: null });
    expect(cleared).not.toHaveProperty("description");
    expect(cleared).not.toHaveProperty("tags");
    expect(cleared).toMatchObject({ fileName: "New NAME.jpg", status: "pending", expiresAt: record.expiresAt });
    expect(await repo.update(userId, record.fileId, { tags: [], description: "" })).toMatchObject({ tags: [], description: "" });
  });

  it("answers undefined for a missing file and creates nothing", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const fileId = nextFileId(T0);
    expect(await repo.update(userId, fileId, { fileName: "x.jpg" })).toBeUndefined();
    expect(await repo.update(userId, fileId, { description: null })).toBeUndefined();
    expect(await rawItem(userId, keysFor.file(fileId))).toBeUndefined();
  });

  it("never touches another user's file", async () => {
    const repo = repoFor();
    const owner = randomUUID();
    const record = pendingRecord(owner, { fileName: "mine.jpg" });
    await repo.createPending(record, GiB, T0);
    const intruder = randomUUID();
    expect(await repo.update(intruder, record.fileId, { fileName: "stolen.jpg" })).toBeUndefined();
    expect((await repo.get(owner, record.fileId))?.fileName).toBe("mine.jpg");
    expect(await rawItem(intruder, keysFor.file(record.fileId))).toBeUndefined();
  });

  it("answers undefined for a dead pending record", async () => {
    const clock = fixedClock(T0);
    const repo = repoFor({ clock });
    const userId = randomUUID();
    const record = pendingRecord(userId, { expiresAt: Math.floor(T0 / 1000) + 1 });
    await repo.createPending(record, GiB, T0);
    clock.at = T0 + 2_000;
    expect(await repo.update(userId, record.fileId, { fileName: "late.jpg" })).toBeUndefined();
  });
});

describe("list", () => {
  const userId = randomUUID();
  const START = T0 - 300 * 60_000;
  const NOW = T0;
  const names = ["Holiday Beach.jpg", "cat-photo.PNG", "Concert Recording.mp3", "Cat Song.mp3", "receipt.jpg", "CATALOG.webp", "voice memo.m4a", "Scatter.png"];
  const all: MediaRecord[] = [];
  // Its own factory: a shared monotonic one would keep counting from later times than START.
  const listFileId = monotonicFactory();

  beforeAll(async () => {
    const repo = repoFor();
    const made: MediaRecord[] = [];
    for (let i = 0; i < 250; i++) {
      const at = START + i * 60_000;
      const name = names[(i * 7) % names.length]!;
      const kind: MediaKind = /\.(mp3|m4a)$/.test(name) ? "audio" : "image";
      const dead = i % 17 === 5;
      made.push(
        pendingRecord(userId, {
          at,
          fileId: listFileId(at),
          fileName: name,
          kind,
          contentType: kind === "audio" ? "audio/mpeg" : "image/jpeg",
          size: 10 + i,
          expiresAt: dead ? Math.floor(NOW / 1000) - 10 : Math.floor(NOW / 1000) + HOUR,
        }),
      );
    }
    // Ten at a time: concurrent reservations for one user, as a busy client would make.
    for (let i = 0; i < made.length; i += 10) {
      await Promise.all(
        made.slice(i, i + 10).map(async (r, j) => {
          const n = i + j;
          await repo.createPending(r, GiB, START);
          if (n % 17 === 5 || n % 10 === 3) return all.push(r); // stays pending (dead or alive)
          if (n % 13 === 0) {
            await repo.markRejected(userId, r.fileId, "bad");
            return all.push({ ...r, status: "rejected", rejectionReason: "bad", expiresAt: undefined });
          }
          await repo.markReady(userId, r.fileId, { size: r.size, metadata: {} });
          all.push({ ...r, status: "ready", expiresAt: undefined });
        }),
      );
    }
    all.sort((a, b) => (a.fileId < b.fileId ? 1 : -1));
  });

  const visible = () => all.filter((r) => !(r.status === "pending" && r.expiresAt! * 1000 < NOW));

  async function pageThrough(repo: MediaRepository, query: Omit<ListQuery, "after">): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await repo.list(userId, after ? { ...query, after } : query, NOW);
      expect(page.records.length).toBeLessThanOrEqual(query.limit);
      for (const r of page.records) {
        expect(r.userId).toBe(userId);
        expect(r).not.toHaveProperty("pk");
        expect(r).not.toHaveProperty("fileNameLower");
      }
      ids.push(...page.records.map((r) => r.fileId));
      if (!page.lastFileId) return ids;
      after = page.lastFileId;
    }
    throw new Error("paging did not end");
  }

  it("holds the records the test expects", () => {
    expect(all).toHaveLength(250);
    expect(visible().length).toBeLessThan(250);
    expect(visible().some((r) => r.status === "pending")).toBe(true);
    expect(visible().some((r) => r.status === "rejected")).toBe(true);
  });

  const kinds: (MediaKind | undefined)[] = [undefined, "image", "audio"];
  const queries: (string | undefined)[] = [undefined, "cat", "concert", "no such name"];
  const ranges: { name: string; from?: number; to?: number }[] = [
    { name: "no range" },
    { name: "from", from: START + 40 * 60_000 },
    { name: "to", to: START + 200 * 60_000 + 30_000 },
    { name: "from-to", from: START + 60 * 60_000, to: START + 130 * 60_000 },
  ];
  const limits = [7, 50, 100, 1];
  for (const [k, kind] of kinds.entries()) {
    for (const [i, q] of queries.entries()) {
      for (const [j, range] of ranges.entries()) {
        const limit = limits[(k + i + j) % limits.length]!;
        it(`pages kind=${kind ?? "*"} q=${q ?? "*"} ${range.name} limit=${limit} newest first, each file once`, async () => {
          const query: Omit<ListQuery, "after"> = { limit };
          if (kind) query.kind = kind;
          if (q) query.q = q;
          if (range.from !== undefined) query.fromId = fileIdBound(range.from, "low");
          if (range.to !== undefined) query.toId = fileIdBound(range.to, "high");
          const expected = visible()
            .filter((r) => !kind || r.kind === kind)
            .filter((r) => !q || r.fileName.toLowerCase().includes(q))
            .filter((r) => range.from === undefined || Date.parse(r.uploadedAt) >= range.from)
            .filter((r) => range.to === undefined || Date.parse(r.uploadedAt) <= range.to)
            .map((r) => r.fileId);
          const ids = await pageThrough(repoFor(), query);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids).toEqual(expected);
        });
      }
    }
  }

  it("returns full records, dead pending ones never", async () => {
    const page = await repoFor().list(userId, { limit: 250 }, NOW);
    expect(page.lastFileId).toBeUndefined();
    const byId = new Map(visible().map((r) => [r.fileId, r]));
    expect(page.records).toHaveLength(byId.size);
    for (const r of page.records) expect(r).toEqual(byId.get(r.fileId));
  });

  it("fills every page but the last, and says when it is done", async () => {
    const expected = visible().map((r) => r.fileId);
    const first = await repoFor().list(userId, { limit: 50 }, NOW);
    expect(first.records.map((r) => r.fileId)).toEqual(expected.slice(0, 50));
    expect(first.lastFileId).toBe(expected[49]);
    const last = await repoFor().list(userId, { limit: 50, after: expected[expected.length - 3] }, NOW);
    expect(last.records.map((r) => r.fileId)).toEqual(expected.slice(-2));
    expect(last.lastFileId).toBeUndefined();
  });

  it("keeps paging exact when a small examination budget cuts pages short", async () => {
    const repo = repoFor({ maxExaminedPerList: 60 });
    for (const q of ["cat", "no such name", undefined]) {
      const query: Omit<ListQuery, "after"> = q ? { limit: 20, q } : { limit: 20 };
      const expected = visible()
        .filter((r) => !q || r.fileName.toLowerCase().includes(q))
        .map((r) => r.fileId);
      expect(await pageThrough(repo, query)).toEqual(expected);
    }
  });

  it("shows nothing of this user to another user, and never the usage item", async () => {
    expect(await repoFor().list(randomUUID(), { limit: 50 }, NOW)).toEqual({ records: [] });
    const ids = await pageThrough(repoFor(), { limit: 100 });
    expect(ids).not.toContain(undefined);
    expect(ids.every((id) => /^[0-9A-Z]{26}$/.test(id))).toBe(true);
  });

  it("answers an empty page when `after` lies below `fromId`", async () => {
    const expected = visible().map((r) => r.fileId);
    const page = await repoFor().list(userId, { limit: 10, fromId: expected[5]!, after: expected[10]! }, NOW);
    expect(page).toEqual({ records: [] });
  });
});

describe("list, record fidelity and page ends", () => {
  it("returns every field of a record, from the table and from the type index alike, as get does", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    // Required<MediaRecord>: a field added to MediaRecord must appear here, and list must return it.
    const base = pendingRecord(userId, { fileName: "Concert (live) Ü.mp3", contentType: "audio/mpeg", kind: "audio", size: 4321 });
    const full: Required<MediaRecord> = {
      ...base,
      expiresAt: base.expiresAt!,
      metadata: { durationSeconds: 201.5, bitrate: 192_000, sampleRate: 44_100, channels: 2, codec: "MPEG 1 Layer 3", title: "Live", artist: "Band", album: "Tour" },
      description: "front row",
      tags: ["live", "2025"],
      thumbnailKey: `derived/${userId}/cover.webp`,
      rejectionReason: "",
      sequencer: "0055AED6DCD90281E5",
      eTag: "9b2cf535f27731c974343645a3985328",
      declaredSize: 5000,
    };
    const { thumbnailKey, sequencer, eTag, declaredSize } = full;
    await repo.createPending(base, GiB, T0);
    expect(await repo.markReady(userId, full.fileId, { size: full.size, metadata: full.metadata, thumbnailKey, sequencer, eTag, declaredSize })).toBe("updated");
    await repo.update(userId, full.fileId, { description: full.description, tags: full.tags });
    const rejected = pendingRecord(userId, { at: T0 + 1000 });
    await repo.createPending(rejected, GiB, T0);
    await repo.markRejected(userId, rejected.fileId, "not an image");
    const alive = pendingRecord(userId, { at: T0 + 2000 });
    await repo.createPending(alive, GiB, T0);

    const expected = await Promise.all([alive, rejected, full].map((r) => repo.get(userId, r.fileId)));
    expect(expected[2]).toMatchObject({ thumbnailKey, sequencer, eTag, declaredSize, description: "front row", tags: ["live", "2025"], metadata: full.metadata, status: "ready" });
    expect(expected[1]).toMatchObject({ status: "rejected", rejectionReason: "not an image" });
    expect(expected[0]).toMatchObject({ status: "pending", expiresAt: alive.expiresAt });
    expect((await repo.list(userId, { limit: 10 }, T0)).records).toEqual(expected);
    expect((await repo.list(userId, { limit: 10, kind: "audio" }, T0)).records).toEqual([expected[2]]);
    expect((await repo.list(userId, { limit: 10, kind: "image" }, T0)).records).toEqual(expected.slice(0, 2));
  });

  it("gives no cursor when the page takes exactly what is left, with or without `after`", async () => {
    const repo = repoFor();
    const userId = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = pendingRecord(userId, { at: T0 + i * 1000 });
      await repo.createPending(r, GiB, T0);
      ids.unshift(r.fileId);
    }
    const whole = await repo.list(userId, { limit: 7 }, T0);
    expect(whole.records.map((r) => r.fileId)).toEqual(ids);
    expect(whole.lastFileId).toBeUndefined();
    const first = await repo.list(userId, { limit: 3 }, T0);
    expect(first.records.map((r) => r.fileId)).toEqual(ids.slice(0, 3));
    expect(first.lastFileId).toBe(ids[2]);
    const rest = await repo.list(userId, { limit: 4, after: ids[2] }, T0);
    expect(rest.records.map((r) => r.fileId)).toEqual(ids.slice(3));
    expect(rest.lastFileId).toBeUndefined();
    const more = await repo.list(userId, { limit: 3, after: ids[2] }, T0);
    expect(more.records.map((r) => r.fileId)).toEqual(ids.slice(3, 6));
    expect(more.lastFileId).toBe(ids[5]);
  });
});

describe("errors", () => {
  it("turns throttling into TooManyRequestsError with the cause kept", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const client = { send: () => Promise.reject(throttled) } as unknown as DynamoDBDocumentClient;
    const repo = repoFor({ client });
    const error = await rejection(repo.get(randomUUID(), nextFileId(T0)));
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as Error).cause).toBe(throttled);
  });

  it("lets anything else through unchanged", async () => {
    const boom = Object.assign(new Error("nope"), { name: "InternalServerError" });
    const client = { send: () => Promise.reject(boom) } as unknown as DynamoDBDocumentClient;
    expect(await rejection(repoFor({ client }).usage(randomUUID(), T0))).toBe(boom);
  });
});

describe("dynalite helper", () => {
  it("keeps data on disk across restarts when asked", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "dynalite-test-"));
    try {
      const userId = randomUUID();
      const record = pendingRecord(userId);
      const first = await startDynalite({ onDisk: dir });
      await createDynamoMediaRepository({ client: first.client, tableName: first.tableName, clock: fixedClock() }).createPending(record, GiB, T0);
      await first.stop();
      const second = await startDynalite({ onDisk: dir });
      try {
        const repo = createDynamoMediaRepository({ client: second.client, tableName: second.tableName, clock: fixedClock() });
        expect(await repo.get(userId, record.fileId)).toEqual(record);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
