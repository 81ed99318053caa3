import type { MediaMetadata } from "../media-record";
import type { MediaKind } from "../media-types";
import { PREVIEW_RENDITION, STREAM_RENDITION } from "./rendition-settings";

/** What the planner reads of a ready file: what the indexer learned from its content, not what was declared. */
export interface PlanInput {
  kind: MediaKind;
  contentType: string;
  size: number;
  metadata: MediaMetadata;
}

export interface StreamPlan {
  kbps: number;
  channels: 1 | 2;
  /** 44.1 kHz for originals of that family (CD, 22.05, 88.2 kHz…), else 48 kHz: AAC's usual rates, odd ones resampled. */
  sampleRate: 44100 | 48000;
}

/** Which renditions a file gets; `notes` says why one that might be expected is not made. */
export interface RenditionPlan {
  stream?: StreamPlan;
  waveform: boolean;
  preview: boolean;
  notes: string[];
}

/** Image formats every browser shows; any other (HEIC: Safari only) gets a preview whatever its size. */
const DISPLAYABLE_IMAGE_FORMATS = new Set(["jpeg", "png", "gif", "webp", "avif"]);

/**
 * Decides what to derive from a ready file. Pure: the same file always gets the same plan, so a retried
 * or re-driven message makes the same objects.
 * - Audio: a waveform always; a stream rendition unless the original already plays in every browser (MP3,
 *   or AAC in MP4/ADTS) at a modest bitrate, and only up to STREAM_RENDITION.maxSeconds.
 * - Images: a preview when the long side is over PREVIEW_RENDITION.longSide or the format is not one every
 *   browser shows. GIFs keep their animation only in the original, so they get none (a still preview of an
 *   animation would show something else than the file).
 */
export function planRenditions(file: PlanInput): RenditionPlan {
  return file.kind === "audio" ? planAudio(file) : planImage(file);
}

export function hasWork(plan: RenditionPlan): boolean {
  return plan.stream !== undefined || plan.waveform || plan.preview;
}

function planAudio(file: PlanInput): RenditionPlan {
  const plan: RenditionPlan = { waveform: true, preview: false, notes: [] };
  const kbps = sourceKbps(file);
  if (playsEverywhere(file) && (kbps === undefined || kbps <= STREAM_RENDITION.playableMaxKbps)) {
    plan.notes.push("The original plays in every browser and is streamed as it is.");
    return plan;
  }
  const duration = file.metadata.durationSeconds;
  if (duration !== undefined && duration > STREAM_RENDITION.maxSeconds) {
    plan.notes.push(`The audio is longer than ${STREAM_RENDITION.maxSeconds / 3600} hours: it is streamed as it is, without a rendition.`);
    return plan;
  }
  const channels = file.metadata.channels === 1 ? 1 : 2;
  const ceiling = channels === 1 ? STREAM_RENDITION.stereoKbps / 2 : STREAM_RENDITION.stereoKbps;
  // Never more bits than the original had: a 48 kb/s Opus made into 128 kb/s AAC only grows.
  const fromSource = kbps === undefined ? ceiling : Math.ceil(kbps / 16) * 16;
  const rate = file.metadata.sampleRate;
  const sampleRate = rate !== undefined && rate > 0 && Number.isInteger(Math.log2(rate / 11025)) ? 44100 : 48000;
  plan.stream = { kbps: Math.max(STREAM_RENDITION.minKbps / (channels === 1 ? 2 : 1), Math.min(ceiling, fromSource)), channels, sampleRate };
  return plan;
}

function planImage(file: PlanInput): RenditionPlan {
  const plan: RenditionPlan = { waveform: false, preview: false, notes: [] };
  const { width, height, format } = file.metadata;
  if (format === "gif") {
    plan.notes.push("GIFs are shown as they are (a still preview would lose the animation).");
    return plan;
  }
  const longSide = Math.max(width ?? 0, height ?? 0);
  const displayable = format !== undefined && DISPLAYABLE_IMAGE_FORMATS.has(format);
  plan.preview = longSide > PREVIEW_RENDITION.longSide || (!displayable && longSide > 0);
  if (!plan.preview && longSide > 0) plan.notes.push(`The original is at most ${PREVIEW_RENDITION.longSide} px a side and shown as it is.`);
  return plan;
}

function playsEverywhere(file: PlanInput): boolean {
  const codec = file.metadata.codec?.toLowerCase() ?? "";
  if (file.contentType === "audio/mpeg") return true;
  // An MP4 may hold ALAC or other codecs Chrome and Firefox cannot play: only AAC counts.
  if (file.contentType === "audio/mp4" || file.contentType === "audio/aac") return codec.includes("aac");
  return false;
}

/** The original's bitrate in kb/s: as the indexer read it, else its size over its duration. */
function sourceKbps(file: PlanInput): number | undefined {
  if (file.metadata.bitrate !== undefined && file.metadata.bitrate > 0) return file.metadata.bitrate / 1000;
  const duration = file.metadata.durationSeconds;
  if (duration !== undefined && duration > 0) return (file.size * 8) / duration / 1000;
  return undefined;
}
