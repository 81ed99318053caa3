import { describe, expect, it } from "vitest";
import { originalKey } from "./keys";
import type { MediaRecord } from "./media-record";
import { abortOrphanedUploads } from "./multipart-orphans";
import type { MediaRepository, UnfinishedUpload, UploadStorage } from "./ports";

/** The sweep's part: which unfinished uploads it gives up, from the records alone. */
describe("abortOrphanedUploads", () => {
  const NOW = Date.parse("2026-12-04T12:00:00Z");
  const HOUR = 3_600_000;
  const user = "0b7e0e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
  const ids = ["01KBN0000000000000000000A1", "01KBN0000000000000000000A2", "01KBN0000000000000000000A3", "01KBN0000000000000000000A4", "01KBN0000000000000000000A5"];
  const pending = (fileId: string, uploadId: string, expiresAt: number): MediaRecord => ({
    userId: user,
    fileId,
    fileName: "x.wav",
    contentType: "audio/wav",
    kind: "audio",
    size: 10,
    status: "pending",
    uploadedAt: new Date(NOW).toISOString(),
    metadata: {},
    expiresAt,
    multipartUploadId: uploadId,
    partSize: 5 * 1024 * 1024,
  });

  it("aborts uploads no live pending record names, once old enough that their record had time to be written", async () => {
    const records = new Map<string, MediaRecord>([
      [ids[0]!, pending(ids[0]!, "live", NOW / 1000 + 3600)],
      [ids[1]!, pending(ids[1]!, "expired", NOW / 1000 - 1)],
      [ids[2]!, { ...pending(ids[2]!, "done", NOW / 1000 + 3600), status: "ready" }],
      [ids[3]!, pending(ids[3]!, "newer", NOW / 1000 + 3600)],
    ]);
    const unfinished: UnfinishedUpload[] = [
      { key: originalKey(user, ids[0]!), uploadId: "live", initiated: NOW - 2 * HOUR },
      { key: originalKey(user, ids[1]!), uploadId: "expired", initiated: NOW - 26 * HOUR },
      { key: originalKey(user, ids[2]!), uploadId: "done", initiated: NOW - 2 * HOUR },
      // A second upload at a key whose record names another one.
      { key: originalKey(user, ids[3]!), uploadId: "stale", initiated: NOW - 2 * HOUR },
      // No record at all: cancelled, deleted, or refused by the quota; and one just created, record not yet written.
      { key: originalKey(user, ids[4]!), uploadId: "orphan", initiated: NOW - 2 * HOUR },
      { key: originalKey(user, "01KBN0000000000000000000A6"), uploadId: "fresh", initiated: NOW - 60_000 },
    ];
    const aborted: string[] = [];
    const repo = { get: async (_userId: string, fileId: string) => records.get(fileId) } as unknown as MediaRepository;
    const storage = {
      listUnfinished: async () => unfinished,
      abortMultipart: async ({ uploadId }: { uploadId: string }) => void aborted.push(uploadId),
    } as unknown as UploadStorage;
    expect(await abortOrphanedUploads({ repo, storage, clock: { now: () => NOW } })).toBe(4);
    expect(aborted.sort()).toEqual(["done", "expired", "orphan", "stale"]);
  });
});
