import { AbortedError, AppError } from "../api/errors";
import type { MediaFile } from "../api/types";
import type { LiveEvents } from "../live/media-events";

export interface SettleDeps {
  getFile(fileId: string, signal?: AbortSignal): Promise<MediaFile>;
  live?: Pick<LiveEvents, "status" | "onEvent"> | undefined;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Waits until the indexer has said ready or rejected. A live event settles it at once; polling with
 * backoff does where there is no stream (or an event was missed while reconnecting), slowly while the
 * stream is live and briskly when it is not.
 */
export function settler(deps: SettleDeps) {
  const sleep = deps.sleep ?? abortableSleep;
  return async function settle(fileId: string, signal: AbortSignal): Promise<MediaFile> {
    let wake: (() => void) | undefined;
    let heard = false;
    const off = deps.live?.onEvent((e) => {
      if (e.fileId === fileId && (e.type === "media.ready" || e.type === "media.rejected")) {
        heard = true;
        wake?.(); // cut the current wait short
      }
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let delay = deps.live?.status === "live" ? 4_000 : 800;
      for (;;) {
        if (!heard && !signal.aborted) {
          const nap = new AbortController();
          wake = () => nap.abort();
          await sleep(delay, nap.signal).catch(() => undefined);
          wake = undefined;
        }
        if (signal.aborted) throw new AbortedError();
        heard = false;
        let file: MediaFile;
        try {
          file = await deps.getFile(fileId, signal);
        } catch (error) {
          if (error instanceof AppError && error.status === 404) {
            throw new AppError("api", "NotFound", "The upload was not recorded (it expired or was deleted). Try again.", 404);
          }
          if (error instanceof AppError && error.source === "network") {
            delay = Math.min(delay * 2, 30_000);
            continue;
          }
          throw error;
        }
        if (file.status !== "pending") return file;
        delay = Math.min(delay * 1.6, deps.live?.status === "live" ? 20_000 : 10_000);
      }
    } finally {
      off?.();
      signal.removeEventListener("abort", onAbort);
    }
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AbortedError());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
