import { randomUUID } from "node:crypto";
import type { RenditionState } from "@media/core/media-record";
import { describe, expect, it } from "vitest";
import { GiB, mediaRepositoryPerFile, pendingRecord, T0 } from "@media/testing/media-records";
import { renditionRecords } from "./rendition-records";

const { db, repoFor } = mediaRepositoryPerFile();
const state: RenditionState = { status: "ready", eTag: "e1", waveformKey: "derived/w.json", bytes: 900, at: "2026-12-04T10:00:00.000Z" };

async function readyFile(eTag = "e1") {
  const repo = repoFor();
  const userId = randomUUID();
  const record = pendingRecord(userId, { contentType: "audio/flac", kind: "audio", size: 1000 });
  await repo.createPending(record, GiB, T0);
  await repo.markReady(userId, record.fileId, { size: 900, metadata: { durationSeconds: 3 }, eTag });
  return { repo, userId, fileId: record.fileId };
}

describe("rendition records", () => {
  it("records the renditions of the object the record describes, and leaves usage alone", async () => {
    const { repo, userId, fileId } = await readyFile();
    const before = await repo.usage(userId, T0);
    expect(await renditionRecords(db()).save(userId, fileId, "e1", state)).toBe("updated");
    expect((await repo.get(userId, fileId))?.renditions).toEqual(state);
    expect(await repo.usage(userId, T0)).toEqual(before);
  });

  it("writes nothing for another object, a file that is not ready, or one that is gone", async () => {
    const { repo, userId, fileId } = await readyFile("e2");
    expect(await renditionRecords(db()).save(userId, fileId, "e1", state)).toBe("unchanged");
    expect((await repo.get(userId, fileId))?.renditions).toBeUndefined();

    const pending = pendingRecord(userId, { at: T0 + 1 });
    await repo.createPending(pending, GiB, T0);
    expect(await renditionRecords(db()).save(userId, pending.fileId, undefined, state)).toBe("unchanged");

    await repo.remove(userId, fileId);
    expect(await renditionRecords(db()).save(userId, fileId, "e2", state)).toBe("unchanged");
    expect(await repo.get(userId, fileId)).toBeUndefined();
  });
});
