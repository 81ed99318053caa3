import { describe, expect, it } from "vitest";
import { indexObject, type IndexDeps } from "./indexing";
import { compareSequencers, normalizeETag } from "./object-identity";
import { thumbnailKey } from "./keys";
import { deleteFile, type LibraryDeps } from "./library";
import type { MediaRecord } from "./media-record";
import type { MediaEvent } from "./media-event";
import { ObjectGoneError, type Inspection, type ObjectStorage } from "./ports";

/** The pipeline's own decisions, with in-memory fakes (the adapters are tested against local endpoints). */
const userId = "6f1f6a5e-2b1c-4c3d-9e8f-0a1b2c3d4e5f";
const fileId = "01JDQ3YV6M2Q0W7X8Y9Z0A1B2C";
const key = `users/${userId}/${fileId}`;
const pending: MediaRecord = { userId, fileId, fileName: "a.png", contentType: "image/png", kind: "image", size: 100, status: "pending", uploadedAt: "2026-01-01T00:00:00Z", metadata: {}, expiresAt: 9_999_999_999 };
const event = { eventName: "ObjectCreated:Post", s3: { bucket: { name: "b" }, object: { key, size: 100, sequencer: "0A" } } };

function fakes(options: { object?: Buffer; inspection?: Inspection; markReady?: "updated" | "unchanged"; afterReady?: MediaRecord | undefined }) {
  const calls = { put: [] as string[], removed: [] as string[], events: [] as MediaEvent[] };
  const storage: Partial<ObjectStorage> = {
    head: async () => (options.object ? { size: options.object.length, contentType: "image/png", eTag: '"e1"' } : undefined),
    readRange: async (_k, start, end) => options.object?.subarray(start, end + 1),
    openRead: async () => undefined,
    put: async (k) => void calls.put.push(k),
    remove: async (keys) => void calls.removed.push(...keys),
  };
  let gets = 0;
  const deps = {
    repo: {
      get: async () => (gets++ === 0 ? pending : options.afterReady),
      markReady: async () => options.markReady ?? "updated",
      markRejected: async () => "updated",
      settle: async () => "updated",
    },
    storage,
    events: { publish: async (e: MediaEvent) => void calls.events.push(e) },
    clock: { now: () => 0 },
    inspector: { inspect: async () => options.inspection ?? { ok: true, metadata: { width: 1 }, thumbnail: { bytes: Buffer.from("t"), contentType: "image/webp" } } },
  } as unknown as IndexDeps;
  return { deps, calls };
}

describe("indexObject", () => {
  it("removes its thumbnail when markReady finds the record gone (deleted while indexing), and announces nothing", async () => {
    const { deps, calls } = fakes({ object: Buffer.alloc(100), markReady: "unchanged", afterReady: undefined });
    expect(await indexObject(deps, event)).toEqual({ outcome: "skipped", reason: "already indexed or gone" });
    expect(calls.put).toEqual([thumbnailKey(userId, fileId)]);
    expect(calls.removed).toEqual([thumbnailKey(userId, fileId)]);
    expect(calls.events).toEqual([]);
  });

  it("keeps the thumbnail when another delivery made the record ready (same key, same bytes)", async () => {
    const { deps, calls } = fakes({ object: Buffer.alloc(100), markReady: "unchanged", afterReady: { ...pending, status: "ready", thumbnailKey: thumbnailKey(userId, fileId), eTag: "e1", sequencer: "0A" } });
    await indexObject(deps, event);
    expect(calls.removed).toEqual([]);
  });

  it("skips an object that vanishes under the reader, and leaves nothing", async () => {
    const { deps, calls } = fakes({ object: Buffer.alloc(100) });
    deps.inspector.inspect = async () => {
      throw new ObjectGoneError(key);
    };
    expect(await indexObject(deps, event)).toEqual({ outcome: "skipped", reason: "object no longer exists" });
    expect(calls).toEqual({ put: [], removed: [], events: [] });
  });

  it("retries (throws) when the inspector's dependency fails, changing nothing", async () => {
    const { deps, calls } = fakes({ object: Buffer.alloc(100) });
    deps.inspector.inspect = async () => {
      throw new Error("ECONNRESET");
    };
    await expect(indexObject(deps, event)).rejects.toThrow("ECONNRESET");
    expect(calls).toEqual({ put: [], removed: [], events: [] });
  });

  it("rejects an empty object and one larger than declared without inspecting it", async () => {
    for (const [object, reason] of [[Buffer.alloc(0), "The file is empty."], [Buffer.alloc(101), "The stored file (101 bytes) is larger than the 100 bytes declared."]] as const) {
      const { deps, calls } = fakes({ object, afterReady: { ...pending, status: "rejected", rejectionReason: reason, announcement: "media.rejected" } });
      deps.inspector.inspect = async () => {
        throw new Error("must not inspect");
      };
      expect(await indexObject(deps, event)).toEqual({ outcome: "rejected", fileId, reason });
      expect(calls.removed).toEqual([key]);
      expect(calls.events.map((e) => [e.type, e.reason])).toEqual([["media.rejected", reason]]);
    }
  });
});

describe("indexObject with no live record", () => {
  it("removes the object of a file that was deleted, cancelled or released before its upload arrived", async () => {
    const { deps, calls } = fakes({ object: Buffer.alloc(100) });
    deps.repo.get = async () => undefined;
    expect(await indexObject(deps, event)).toMatchObject({ outcome: "skipped" });
    expect(calls).toEqual({ put: [], removed: [key], events: [] });
  });
});

describe("compareSequencers", () => {
  it("orders hex strings of one key, padding the shorter on the right as S3 documents", () => {
    expect(compareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6")).toBeLessThan(0);
    expect(compareSequencers("0055AED6DCD90281E6", "0055AED6DCD90281E5")).toBeGreaterThan(0);
    expect(compareSequencers("0055aed6dcd90281e5", "0055AED6DCD90281E5")).toBe(0);
    // Different lengths: "0A" is "0A00", so it is newer than "09FF" and the same as "0A00".
    expect(compareSequencers("0A", "09FF")).toBeGreaterThan(0);
    expect(compareSequencers("0A", "0A00")).toBe(0);
    expect(compareSequencers("0A", "0A01")).toBeLessThan(0);
    expect(compareSequencers("0B", "0A0F")).toBeGreaterThan(0);
  });

  it("knows no order when a sequencer is missing or not hexadecimal", () => {
    expect(compareSequencers(undefined, "0A")).toBeUndefined();
    expect(compareSequencers("0A", undefined)).toBeUndefined();
    expect(compareSequencers("0A", "zz")).toBeUndefined();
    expect(compareSequencers("", "0A")).toBeUndefined();
  });
});

describe("normalizeETag", () => {
  it("keeps the eTag as S3 event records spell it: without quotes", () => {
    expect(normalizeETag('"0123456789abcdef0123456789abcdef"')).toBe("0123456789abcdef0123456789abcdef");
    expect(normalizeETag("0123456789abcdef0123456789abcdef")).toBe("0123456789abcdef0123456789abcdef");
    expect(normalizeETag('W/"abc"')).toBe("abc");
    expect(normalizeETag('""')).toBeUndefined();
    expect(normalizeETag(undefined)).toBeUndefined();
  });
});

describe("deleteFile", () => {
  it("removes the thumbnail named by the removed record: one written after the delete's sweep of derived/", async () => {
    const removed: string[] = [];
    const deps = {
      repo: { remove: async () => ({ ...pending, status: "ready", thumbnailKey: thumbnailKey(userId, fileId) }) },
      storage: { remove: async (keys: string[]) => void removed.push(...keys), removePrefix: async () => undefined },
      events: { publish: async () => undefined },
      clock: { now: () => 0 },
    } as unknown as LibraryDeps;
    await deleteFile(deps, userId, fileId);
    expect(removed).toEqual([key, thumbnailKey(userId, fileId)]);
  });

  it("cancels a pending file: its object is removed again after the record, in case the upload landed in between", async () => {
    const removed: string[] = [];
    const deps = {
      repo: { remove: async () => pending },
      storage: { remove: async (keys: string[]) => void removed.push(...keys), removePrefix: async () => undefined },
      events: { publish: async () => undefined },
      clock: { now: () => 0 },
    } as unknown as LibraryDeps;
    await deleteFile(deps, userId, fileId);
    expect(removed).toEqual([key, key]);
  });
});
