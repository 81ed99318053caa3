import type { UploadState } from "./upload-state";

/** The window the speed is measured over: long enough to smooth bursts, short enough to follow a change. */
const SPEED_WINDOW_MS = 3_000;

export interface SpeedSample {
  t: number;
  loaded: number;
}

/**
 * The uploading state for `loaded` of `total` bytes sent at time `t`, with speed and time left from the
 * samples of the last few seconds (kept in `samples`). The multipart body is a little larger than the
 * file: the file's share of it is reported.
 */
export function uploadingState(samples: SpeedSample[], t: number, loaded: number, total: number, size: number): UploadState {
  const fileLoaded = total > 0 ? Math.min(size, Math.round((loaded / total) * size)) : 0;
  samples.push({ t, loaded: fileLoaded });
  while (samples.length > 2 && t - samples[0]!.t > SPEED_WINDOW_MS) samples.shift();
  const first = samples[0]!;
  const elapsed = (t - first.t) / 1000;
  const state: UploadState = { kind: "uploading", loaded: fileLoaded, total: size };
  if (elapsed > 0.05 && fileLoaded > first.loaded) {
    state.bytesPerSecond = (fileLoaded - first.loaded) / elapsed;
    state.secondsLeft = (size - fileLoaded) / state.bytesPerSecond;
  }
  return state;
}
