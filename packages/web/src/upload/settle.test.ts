import { describe, expect, it, vi } from "vitest";
import { AbortedError, AppError } from "../api/errors";
import type { MediaEvent, MediaFile } from "../api/types";
import type { LiveStatus } from "../live/media-events";
import { settler } from "./settle";

const file = (status: MediaFile["status"]): MediaFile => ({ fileId: "F1", fileName: "a.png", contentType: "image/png", size: 1, status, uploadedAt: "", metadata: {} });

function fakeLive(status: LiveStatus) {
  const listeners = new Set<(e: MediaEvent) => void>();
  return {
    status,
    onEvent: (fn: (e: MediaEvent) => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit: (e: Partial<MediaEvent>) => listeners.forEach((fn) => fn({ type: "media.ready", fileId: "F1", userId: "u", key: "k", contentType: "image/png", size: 1, metadata: {}, at: "", ...e })),
    count: () => listeners.size,
  };
}

/** Sleeps that the test ends: each call is recorded with its delay and resolves when woken or released. */
function sleeps() {
  const calls: Array<{ ms: number; release: () => void }> = [];
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ ms, release: resolve });
      signal.addEventListener("abort", () => reject(new AbortedError()), { once: true });
    });
  return { calls, sleep };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("settle: waiting for ready or rejected", () => {
  it("polls with growing delays where there is no live stream", async () => {
    const s = sleeps();
    const getFile = vi.fn<(id: string) => Promise<MediaFile>>().mockResolvedValueOnce(file("pending")).mockResolvedValueOnce(file("pending")).mockResolvedValue(file("ready"));
    const done = settler({ getFile, live: fakeLive("unavailable"), sleep: s.sleep })("F1", new AbortController().signal);
    for (let i = 0; i < 3; i++) {
      await tick();
      s.calls[i]!.release();
    }
    expect(await done).toMatchObject({ status: "ready" });
    expect(s.calls.map((c) => Math.round(c.ms))).toEqual([800, 1280, 2048]);
  });

  it("is woken by the live event instead of waiting out a slow poll", async () => {
    const s = sleeps();
    const live = fakeLive("live");
    const getFile = vi.fn(async () => file("rejected"));
    const done = settler({ getFile, live, sleep: s.sleep })("F1", new AbortController().signal);
    await tick();
    expect(s.calls[0]!.ms).toBe(4000); // slow while live
    live.emit({ fileId: "OTHER" });
    await tick();
    expect(getFile).not.toHaveBeenCalled();
    live.emit({ type: "media.rejected" });
    expect(await done).toMatchObject({ status: "rejected" });
    expect(getFile).toHaveBeenCalledTimes(1);
    expect(live.count()).toBe(0); // unsubscribed
  });

  it("says the upload was not recorded when the file is gone (404)", async () => {
    const s = sleeps();
    const getFile = vi.fn(async () => Promise.reject(new AppError("api", "NotFound", "No such file.", 404)));
    const done = settler({ getFile, sleep: s.sleep })("F1", new AbortController().signal);
    await tick();
    s.calls[0]!.release();
    await expect(done).rejects.toMatchObject({ code: "NotFound", message: expect.stringMatching(/not recorded/) });
  });

  it("rides out network blips and stops when aborted", async () => {
    const s = sleeps();
    const getFile = vi.fn(async () => Promise.reject(new AppError("network", "NetworkError", "offline")));
    const controller = new AbortController();
    const done = settler({ getFile, sleep: s.sleep })("F1", controller.signal);
    await tick();
    s.calls[0]!.release();
    await tick();
    expect(s.calls[1]!.ms).toBe(1600);
    controller.abort();
    await expect(done).rejects.toBeInstanceOf(AbortedError);
  });
});
