/**
 * How the renditions function runs and what it makes: written once, read by the stack that deploys it,
 * the local runtime that plays Lambda's part around the same handler, the planner and the encoders.
 */
export const RENDITION_SETTINGS = {
  /** Lambda's maximum: a few hours of audio are decoded and encoded within it (ffmpeg runs 30-60x real time). */
  timeoutSeconds: 900,
  /** ffmpeg and sharp outside the Node heap; 2 GB also buys the CPU share of about one and a half vCPU on Lambda. */
  memoryMB: 2048,
  /** /tmp holds the original (2 GiB at most) and the rendition being written. */
  ephemeralStorageMB: 4096,
  /** One file per invocation: a rendition takes seconds to minutes, and a batch would share one timeout. */
  batchSize: 1,
  /** Renditions at once: bounded so that a burst of uploads cannot take the account's concurrency from the API. */
  maxConcurrency: 4,
  /**
   * A message comes back after this long when its invocation died: twice the function's timeout, so that
   * a rendition still running is never handed to a second invocation (Lambda requires at least the timeout).
   */
  queueVisibilitySeconds: 2 * 900,
  /** A rendition that failed this many times (not a refusal: those are recorded at once) goes to the dead-letter queue. */
  maxReceiveCount: 3,
} as const;

/**
 * The audio rendition: AAC-LC in an MP4 container (`.m4a`), moov atom first (`+faststart`) so a player
 * can start and seek with range requests before the file is loaded. Why not Opus in WebM: Safari and every
 * iOS browser (all WebKit) play AAC in MP4 natively since their first versions, but Opus in WebM only from
 * Safari 17 / iOS 17 and not in every context; Chrome, Firefox and Edge play both. AAC is the one every
 * browser a user may have plays. ffmpeg's own `aac` encoder at 128 kb/s stereo is transparent enough for
 * listening in a browser (its quality gap to libfdk shows below ~96 kb/s).
 */
export const STREAM_RENDITION = {
  contentType: "audio/mp4",
  fileName: "stream.m4a",
  /** kb/s for stereo; mono gets half. Never more than the original's own rate (rounded up to 64). */
  stereoKbps: 128,
  minKbps: 64,
  /** An original already playable everywhere is streamed as it is unless its bitrate is above this. */
  playableMaxKbps: 192,
  /** Longer originals get a waveform but no stream: encoding them would not fit in the function's time. */
  maxSeconds: 4 * 3600,
} as const;

/** Display-size images: WebP of this many pixels on the long side, beside the 320 px thumbnail. */
export const PREVIEW_RENDITION = {
  contentType: "image/webp",
  fileName: "preview.webp",
  longSide: 1600,
  quality: 80,
} as const;

/** Waveform peaks, as JSON: about this many points whatever the length, decoded at a rate fit for drawing. */
export const WAVEFORM_RENDITION = {
  contentType: "application/json",
  fileName: "waveform.json",
  points: 1000,
  /** Mono at 8 kHz: peaks for a drawing need no more, and decoding to it costs little for hours of audio. */
  sampleRate: 8000,
} as const;
