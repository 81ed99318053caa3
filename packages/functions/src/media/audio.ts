import type { Readable } from "node:stream";
import { parseBlob, parseStream, selectCover, type IAudioMetadata } from "music-metadata";
import type { MediaMetadata } from "@media/core/media-record";
import type { Thumbnail } from "@media/core/ports";
import { log } from "../log";
import { thumbnailOf } from "./image";

export type AudioDescription = { ok: true; metadata: MediaMetadata; thumbnail?: Thumbnail } | { ok: false; reason: string };

const MAX_TAG = 256;
/**
 * Up to this size, a file whose headers give no duration (ADTS AAC, an MP3 without a Xing/Info header) is
 * streamed once more, in one request, to count its frames; above it the duration is estimated from size
 * and bitrate, which is exact for constant bitrates.
 */
export const FRAME_SCAN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Describes an audio file through a random-access Blob (see range-blob.ts), so only headers and tags are
 * fetched: the samples in between are skipped, not read. `duration: false` keeps music-metadata from
 * walking every frame of an MP3 or ADTS stream; their duration then comes from a Xing/VBRI/Info header,
 * from one streamed pass over the frames for files up to FRAME_SCAN_MAX_BYTES, or from size and bitrate.
 *
 * Throws whatever the Blob's reads throw (storage failures are retried); a parser error with healthy
 * reads means the bytes are bad and is answered as a refusal.
 */
export async function describeAudio(
  blob: Blob,
  format: string,
  options: { audioOnly: boolean; readFailure: () => unknown; open: () => Promise<Readable> },
): Promise<AudioDescription> {
  let parsed: IAudioMetadata;
  try {
    parsed = await parseBlob(blob, { duration: false, skipCovers: false, includeChapters: false });
  } catch (error) {
    if (options.readFailure() !== undefined) throw options.readFailure();
    return { ok: false, reason: `The audio could not be read: ${describeParseError(error)}.` };
  }
  // A parser may stop quietly at a read error and return what it had: that is not the file's fault either.
  if (options.readFailure() !== undefined) throw options.readFailure();

  const f = parsed.format;
  if (f.hasVideo) return { ok: false, reason: "The file holds video, not only audio." };
  if (options.audioOnly && f.hasAudio === false) return { ok: false, reason: "The file holds no audio." };
  if (!f.sampleRate && !f.duration) return { ok: false, reason: "The file has a valid header but no readable audio stream." };

  const metadata: MediaMetadata = { format };
  const duration = f.duration ?? (blob.size <= FRAME_SCAN_MAX_BYTES ? await countedDuration(options.open, blob) : undefined) ?? (f.bitrate ? (blob.size * 8) / f.bitrate : undefined);
  if (duration !== undefined && Number.isFinite(duration) && duration >= 0) metadata.durationSeconds = Math.round(duration * 1000) / 1000;
  if (f.bitrate && Number.isFinite(f.bitrate)) metadata.bitrate = Math.round(f.bitrate);
  if (f.sampleRate) metadata.sampleRate = f.sampleRate;
  if (f.numberOfChannels) metadata.channels = f.numberOfChannels;
  const codec = tag(f.codec);
  if (codec) metadata.codec = codec;
  for (const key of ["title", "artist", "album"] as const) {
    const value = tag(parsed.common[key]);
    if (value) metadata[key] = value;
  }

  const cover = selectCover(parsed.common.picture);
  if (!cover) return { ok: true, metadata };
  try {
    return { ok: true, metadata, thumbnail: await thumbnailOf(cover.data) };
  } catch (error) {
    // A broken cover picture does not make the audio bad: the file is ready, just without a preview.
    log.warn("cover art could not be turned into a thumbnail", { format: cover.format, bytes: cover.data.length, error: error instanceof Error ? error.message : String(error) });
    return { ok: true, metadata };
  }
}

/** The duration from every frame, in one streamed pass; undefined if even that finds none. */
async function countedDuration(open: () => Promise<Readable>, blob: Blob): Promise<number | undefined> {
  const stream = await open();
  try {
    const parsed = await parseStream(stream, { size: blob.size }, { duration: true, skipCovers: true, skipPostHeaders: true });
    return parsed.format.duration;
  } catch {
    return undefined; // the first pass already accepted the file; without a count it gets an estimate
  } finally {
    // Parsers may stop before the end; the object's stream must not stay open (a socket per file).
    stream.destroy();
  }
}

/** Tag text as shown to people: no control characters, bounded length. */
function tag(value: string | undefined): string | undefined {
  const cleaned = value?.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim();
  return cleaned ? cleaned.slice(0, MAX_TAG) : undefined;
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/end of (the )?stream|EndOfStream/i.test(message)) return "it ends before its header does";
  return "its structure is damaged or not what its header says";
}
