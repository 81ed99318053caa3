import { afterEach, describe, expect, it, vi } from "vitest";
import type { MediaEvent } from "../api/types";
import { LiveEvents, type EventSourceFactory } from "./media-events";

/** A fake EventSource the test opens, errors and feeds. */
class FakeSource {
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  listeners = new Map<string, (e: MessageEvent<string>) => void>();
  constructor(readonly url: string) {}
  addEventListener(type: string, fn: (e: MessageEvent<string>) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: unknown) {
    this.listeners.get(type)?.({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
}

afterEach(() => vi.useRealTimers());

function harness() {
  const sources: FakeSource[] = [];
  const open: EventSourceFactory = (url) => {
    const s = new FakeSource(url);
    sources.push(s);
    return s;
  };
  let n = 0;
  const live = new LiveEvents("http://api", async () => `token-${++n}`, open);
  return { live, sources };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

const event = (type: MediaEvent["type"], fileId: string, extra: Partial<MediaEvent> = {}): MediaEvent => ({
  type,
  fileId,
  userId: "0b7c3f0e-1d2a-4c5b-8e9f-0a1b2c3d4e5f",
  key: `users/0b7c3f0e-1d2a-4c5b-8e9f-0a1b2c3d4e5f/${fileId}`,
  contentType: "audio/flac",
  size: 1000,
  metadata: {},
  at: "2026-12-04T10:00:00.000Z",
  ...extra,
});

describe("live media events", () => {
  it("opens the local stream with the access token and hands on the user's events", async () => {
    vi.useFakeTimers();
    const h = harness();
    const seen: MediaEvent[] = [];
    h.live.onEvent((e) => seen.push(e));
    h.live.start();
    await flush();
    expect(h.sources[0]!.url).toBe("http://api/_local/events?access_token=token-1");
    h.sources[0]!.onopen?.(new Event("open"));
    expect(h.live.status).toBe("live");
    h.sources[0]!.emit("media.ready", event("media.ready", "F1"));
    expect(seen.map((e) => e.fileId)).toEqual(["F1"]);
  });

  it("hands on renditions events, and drops what the MediaEvent schema refuses", async () => {
    vi.useFakeTimers();
    const h = harness();
    const seen: MediaEvent[] = [];
    h.live.onEvent((e) => seen.push(e));
    h.live.start();
    await flush();
    const source = h.sources[0]!;
    source.onopen?.(new Event("open"));
    source.emit("media.renditions", event("media.renditions", "F2", { renditions: { status: "ready", made: ["stream", "waveform"] } }));
    // Not a media event, not JSON, a type other than the stream's event name: none reaches the app.
    source.emit("media.ready", { type: "media.ready", fileId: "F3" });
    source.listeners.get("media.ready")?.({ data: "{not json" } as MessageEvent<string>);
    source.emit("media.deleted", event("media.ready", "F4"));
    expect(seen).toEqual([event("media.renditions", "F2", { renditions: { status: "ready", made: ["stream", "waveform"] } })]);
  });

  it("falls back to polling where there is no stream (a deployed API answers 404): unavailable after two failed opens", async () => {
    vi.useFakeTimers();
    const h = harness();
    h.live.start();
    await flush();
    h.sources[0]!.onerror?.(new Event("error"));
    expect(h.live.status).toBe("connecting");
    await vi.advanceTimersByTimeAsync(1000);
    h.sources[1]!.onerror?.(new Event("error"));
    expect(h.live.status).toBe("unavailable");
    expect(h.sources.every((s) => s.closed)).toBe(true);
  });

  it("reopens a dropped stream with a fresh token", async () => {
    vi.useFakeTimers();
    const h = harness();
    h.live.start();
    await flush();
    h.sources[0]!.onopen?.(new Event("open"));
    h.sources[0]!.onerror?.(new Event("error"));
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sources[1]!.url).toContain("token-2");
    h.sources[1]!.onopen?.(new Event("open"));
    expect(h.live.status).toBe("live");
    h.live.stop();
    expect(h.sources[1]!.closed).toBe(true);
  });
});
