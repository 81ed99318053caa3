import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TooManyRequestsError } from "@media/core/errors";
import type { MediaKind } from "@media/core/media-types";
import type { MediaRecord } from "@media/core/media-record";
import type { ListQuery, MediaRepository } from "@media/core/ports";
import { keysFor } from "@media/core/table";
import { fileIdBound } from "@media/core/time-bounds";
import { monotonicFactory } from "ulid";
import { beforeAll, describe, expect, it } from "vitest";
import { startDynalite } from "@media/testing/local-dynamo";
import { fixedClock, GiB, nextFileId, pendingRecord, rawItem as rawItemOf, rejection, T0, mediaRepositoryPerFile } from "@media/testing/media-records";
import { createDynamoMediaRepository } from "../dynamo-media-repository";
import { renditionRecords } from "./rendition-records";

/** Reads and the edits that move no usage: update, list, get; and how errors of the database surface. */
const { db, repoFor } = mediaRepositoryPerFile();
const rawItem = (userId: string, sk: string) => rawItemOf(db(), userId, sk);
const HOUR = 3600;

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
            return all.push({ ...r, status: "rejected", rejectionReason: "bad", expiresAt: undefined, announcement: "media.rejected" });
          }
          await repo.markReady(userId, r.fileId, { size: r.size, metadata: {} });
          all.push({ ...r, status: "ready", expiresAt: undefined, declaredSize: r.size, announcement: "media.ready" });
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
      announcement: "media.ready",
      multipartUploadId: "VXBsb2FkIElEIG9mIGEgbXVsdGlwYXJ0IHVwbG9hZA",
      partSize: 5 * 1024 * 1024,
      renditions: { status: "ready", eTag: "9b2cf535f27731c974343645a3985328", streamKey: `derived/${userId}/stream.m4a`, waveformKey: `derived/${userId}/waveform.json`, bytes: 12_345, at: "2026-12-04T10:00:00.000Z" },
    };
    const { thumbnailKey, sequencer, eTag, declaredSize, multipartUploadId, partSize, renditions } = full;
    await repo.createPending({ ...base, multipartUploadId, partSize }, GiB, T0);
    expect(await repo.markReady(userId, full.fileId, { size: full.size, metadata: full.metadata, thumbnailKey, sequencer, eTag, declaredSize })).toBe("updated");
    await repo.update(userId, full.fileId, { description: full.description, tags: full.tags });
    expect(await renditionRecords(db()).save(userId, full.fileId, eTag, renditions)).toBe("updated");
    const rejected = pendingRecord(userId, { at: T0 + 1000 });
    await repo.createPending(rejected, GiB, T0);
    await repo.markRejected(userId, rejected.fileId, "not an image");
    const alive = pendingRecord(userId, { at: T0 + 2000 });
    await repo.createPending(alive, GiB, T0);

    const expected = await Promise.all([alive, rejected, full].map((r) => repo.get(userId, r.fileId)));
    expect(expected[2]).toMatchObject({ thumbnailKey, sequencer, eTag, declaredSize, multipartUploadId, partSize, announcement: "media.ready", renditions, description: "front row", tags: ["live", "2025"], metadata: full.metadata, status: "ready" });
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
