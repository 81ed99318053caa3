import { describe, expect, it } from "vitest";
import type { MediaRecord } from "../media-record";
import { owesRenditions, requestOwedRenditions } from "./backfill";
import type { RenditionQueue } from "./ports";
import type { RenditionRequest } from "./render";

const userId = "0b7c3f0e-1d2a-4c5b-8e9f-0a1b2c3d4e5f";
const wav = (over: Partial<MediaRecord> = {}): MediaRecord => ({
  userId,
  fileId: "01JF3A8R4Q9Z7X6W5V4T3S2R1P",
  fileName: "take.wav",
  contentType: "audio/wav",
  kind: "audio",
  size: 5_000_000,
  status: "ready",
  uploadedAt: "2026-12-04T10:00:00.000Z",
  metadata: { durationSeconds: 28, channels: 2, sampleRate: 44_100 },
  eTag: "e1",
  ...over,
});

function queue(): RenditionQueue & { sent: RenditionRequest[] } {
  const sent: RenditionRequest[] = [];
  return { sent, waiting: async (r) => sent.some((s) => s.fileId === r.fileId), enqueue: async (r) => void sent.push(r) };
}

describe("owed renditions", () => {
  it("are those of ready files with work planned and nothing recorded for their object", () => {
    expect(owesRenditions(wav())).toBe(true);
    expect(owesRenditions(wav({ renditions: { status: "ready", eTag: "e1", bytes: 1, at: "2026-12-04T10:01:00.000Z" } }))).toBe(false);
    // Recorded for an object replaced since: owed again.
    expect(owesRenditions(wav({ renditions: { status: "ready", eTag: "e0", bytes: 1, at: "2026-12-04T10:01:00.000Z" } }))).toBe(true);
    // A recorded failure stands (the DLQ redrive retries errors on our side).
    expect(owesRenditions(wav({ renditions: { status: "failed", eTag: "e1", bytes: 0, reason: "damaged", at: "2026-12-04T10:01:00.000Z" } }))).toBe(false);
    expect(owesRenditions(wav({ status: "pending" }))).toBe(false);
    expect(owesRenditions(wav({ kind: "image", contentType: "image/png", metadata: { width: 40, height: 30, format: "png" } }))).toBe(false);
  });

  it("are requested once, as the topic would request them, and only listed in a dry run", async () => {
    const q = queue();
    const record = wav();
    const repo = { get: async () => record };
    expect(await requestOwedRenditions({ repo, renditions: q }, userId, record.fileId, true)).toBe("would-queue");
    expect(q.sent).toEqual([]);
    expect(await requestOwedRenditions({ repo, renditions: q }, userId, record.fileId, false)).toBe("queued");
    expect(q.sent).toEqual([{ type: "media.ready", userId, fileId: record.fileId, key: `users/${userId}/${record.fileId}` }]);
    expect(await requestOwedRenditions({ repo, renditions: q }, userId, record.fileId, false)).toBe("already-queued");
    expect(q.sent).toHaveLength(1);
    expect(await requestOwedRenditions({ repo: { get: async () => undefined }, renditions: q }, userId, record.fileId, false)).toBeUndefined();
  });
});
