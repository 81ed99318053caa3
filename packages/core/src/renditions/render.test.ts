import { describe, expect, it } from "vitest";
import { originalKey } from "../keys";
import { mediaEventOf, type MediaEvent } from "../media-event";
import type { MediaRecord, RenditionState } from "../media-record";
import { RenditionRefusedError, type AudioRenderer, type LocalFile, type RenditionDeps } from "./ports";
import { makeRenditions } from "./render";

const userId = "0b7c3f0e-1d2a-4c5b-8e9f-0a1b2c3d4e5f";
const fileId = "01JF3A8R4Q9Z7X6W5V4T3S2R1P";
const key = originalKey(userId, fileId);
const request = { type: "media.ready" as const, userId, fileId, key };
const later = { deadline: Date.now() + 60_000, finalAttempt: false };

const flac = (over: Partial<MediaRecord> = {}): MediaRecord => ({
  userId,
  fileId,
  fileName: "song.flac",
  contentType: "audio/flac",
  kind: "audio",
  size: 3_000_000,
  status: "ready",
  uploadedAt: "2026-12-04T10:00:00.000Z",
  metadata: { durationSeconds: 30, channels: 2, sampleRate: 44_100, codec: "FLAC" },
  eTag: "e1",
  ...over,
});

const file = (path: string, bytes = 10): LocalFile & { disposed: boolean } => {
  const f = { path, bytes, disposed: false, dispose: async () => void (f.disposed = true) };
  return f;
};

/** In-memory ports: a record, objects by key, and encoders that answer as told. */
function world(record: MediaRecord | undefined, audio: AudioRenderer["render"]) {
  const objects = new Map<string, string>();
  const saved: RenditionState[] = [];
  const announced: MediaEvent[] = [];
  const source = file("/tmp/original", 3_000_000);
  let current = record;
  const deps: RenditionDeps = {
    repo: { get: async () => current },
    records: {
      async save(_u, _f, eTag, state) {
        if (!current || current.status !== "ready" || current.eTag !== eTag) return "unchanged";
        saved.push(state);
        current = { ...current, renditions: state };
        return "updated";
      },
    },
    storage: {
      put: async (k, body) => void objects.set(k, body.toString()),
      remove: async (keys) => keys.forEach((k) => objects.delete(k)),
    },
    files: {
      download: async (k) => (k === key && current ? source : undefined),
      upload: async (k, f) => void objects.set(k, `file:${f.path}`),
    },
    audio: { render: audio },
    images: { preview: async () => Buffer.from("webp") },
    events: {
      publish: async (event) => {
        const checked = mediaEventOf(event);
        if (!checked) throw new Error(`not a media event: ${JSON.stringify(event)}`);
        announced.push(checked);
      },
    },
    clock: { now: () => Date.parse("2026-12-04T11:00:00.000Z") },
  };
  return { deps, objects, saved, announced, source, remove: () => (current = undefined) };
}

const waveform = { version: 1 as const, durationSeconds: 30, peaks: [0.5, 0.25] };

describe("makeRenditions", () => {
  it("stores the stream and the waveform under the file's derived prefix and records them for its object", async () => {
    const stream = file("/tmp/stream.m4a", 480_000);
    const w = world(flac(), async () => ({ waveform, stream }));
    const result = await makeRenditions(w.deps, request, later);
    expect(result).toMatchObject({ outcome: "ready", bytes: 480_000 + JSON.stringify(waveform).length });
    expect([...w.objects.keys()].sort()).toEqual([`derived/${userId}/${fileId}/stream.m4a`, `derived/${userId}/${fileId}/waveform.json`]);
    expect(w.saved).toEqual([
      { status: "ready", eTag: "e1", streamKey: `derived/${userId}/${fileId}/stream.m4a`, waveformKey: `derived/${userId}/${fileId}/waveform.json`, bytes: result.outcome === "ready" ? result.bytes : 0, at: "2026-12-04T11:00:00.000Z" },
    ]);
    expect(stream.disposed && w.source.disposed).toBe(true);
    // Announced after the record says so, by name (a reader fetches the file for the URLs).
    expect(w.announced).toEqual([
      { type: "media.renditions", fileId, userId, key, contentType: "audio/flac", size: 3_000_000, metadata: flac().metadata, renditions: { status: "ready", made: ["stream", "waveform"] }, at: "2026-12-04T11:00:00.000Z" },
    ]);
    // Done once: a repeated event changes nothing and announces nothing.
    expect(await makeRenditions(w.deps, request, later)).toEqual({ outcome: "skipped", reason: "renditions already made" });
    expect(w.announced).toHaveLength(1);
  });

  it("announces renditions already made again on a redelivery (the attempt that made them may have failed to announce)", async () => {
    const w = world(flac(), async () => ({ waveform }));
    let failPublish = true;
    const publish = w.deps.events.publish;
    w.deps.events = {
      publish: async (event) => {
        if (failPublish) throw new Error("SNS is down");
        await publish(event);
      },
    };
    await expect(makeRenditions(w.deps, request, later)).rejects.toThrow("SNS is down");
    expect(w.saved).toHaveLength(1);
    failPublish = false;
    expect(await makeRenditions(w.deps, request, { ...later, redelivered: true })).toMatchObject({ outcome: "skipped" });
    expect(w.announced).toEqual([expect.objectContaining({ type: "media.renditions", renditions: { status: "ready", made: ["waveform"] } })]);
  });

  it("records the file's own fault with its reason, at once, and does not throw (no retry)", async () => {
    const w = world(flac(), async () => {
      throw new RenditionRefusedError("The audio is damaged or incomplete and could not be decoded.");
    });
    expect(await makeRenditions(w.deps, request, later)).toMatchObject({ outcome: "failed", reason: "The audio is damaged or incomplete and could not be decoded." });
    expect(w.saved[0]).toMatchObject({ status: "failed", eTag: "e1", bytes: 0 });
    expect(w.announced).toEqual([expect.objectContaining({ type: "media.renditions", reason: "The audio is damaged or incomplete and could not be decoded.", renditions: { status: "failed", made: [] } })]);
    expect(w.source.disposed).toBe(true);
  });

  it("throws other failures for SQS to retry, and records them only on the last attempt", async () => {
    const w = world(flac(), async () => {
      throw new Error("S3 is down");
    });
    await expect(makeRenditions(w.deps, request, later)).rejects.toThrow("S3 is down");
    expect(w.saved).toEqual([]);
    expect(w.announced).toEqual([]);
    await expect(makeRenditions(w.deps, request, { ...later, finalAttempt: true })).rejects.toThrow("S3 is down");
    expect(w.saved[0]).toMatchObject({ status: "failed", reason: expect.stringMatching(/could not be made/) });
    expect(w.announced).toEqual([expect.objectContaining({ renditions: { status: "failed", made: [] } })]);
  });

  it("removes what it wrote when the file was deleted meanwhile", async () => {
    let w: ReturnType<typeof world> | undefined;
    // A file that needs only a waveform: an MP3 at 128 kb/s.
    w = world(flac({ contentType: "audio/mpeg", metadata: { bitrate: 128_000, durationSeconds: 30 } }), async () => {
      w!.remove();
      return { waveform };
    });
    expect(await makeRenditions(w.deps, request, later)).toMatchObject({ outcome: "skipped" });
    expect(w.objects.size).toBe(0);
    expect(w.announced).toEqual([]);
  });

  it("renders nothing for files that are not ready, need nothing, or are not what the event says", async () => {
    const never: AudioRenderer["render"] = async () => {
      throw new Error("should not render");
    };
    expect(await makeRenditions(world(flac({ status: "rejected" }), never).deps, request, later)).toMatchObject({ outcome: "skipped" });
    expect(await makeRenditions(world(undefined, never).deps, request, later)).toMatchObject({ outcome: "skipped" });
    const small = flac({ kind: "image", contentType: "image/png", metadata: { width: 100, height: 80, format: "png" } });
    expect(await makeRenditions(world(small, never).deps, request, later)).toMatchObject({ outcome: "skipped", reason: expect.stringMatching(/shown as it is/) });
    expect(await makeRenditions(world(flac(), never).deps, { ...request, key: `users/${userId}/01JF3A8R4Q9Z7X6W5V4T3S2R2P` }, later)).toMatchObject({ outcome: "skipped" });
  });
});
