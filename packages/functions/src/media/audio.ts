import { Readable } from "node:stream";
import { parseBlob, parseStream, selectCover, type IAudioMetadata, type IOptions } from "music-metadata";
import type { MediaMetadata } from "@media/core/media-record";
import type { Thumbnail } from "@media/core/ports";
import type { Clock } from "@media/core/ports";
import { clock as serviceClock } from "../clock";
import { log } from "../log";
import { BudgetExceededError, Meter, type Budget } from "./budget";
import { flacCover, type Picture } from "./flac-cover";
import { id3v2PrefixLength } from "./id3-prefix";
import type { RangeBlob } from "./range-blob";

export type AudioDescription = { ok: true; metadata: MediaMetadata; thumbnail?: Thumbnail } | { ok: false; reason: string };

const MAX_TAG = 256;
const MiB = 1024 * 1024;
/**
 * Up to this size, a file whose headers give no duration (ADTS AAC, an MP3 without a Xing/Info header) is
 * streamed once more, in one request, to count its frames; above it the duration is estimated from size
 * and bitrate, which is exact for constant bitrates.
 */
export const FRAME_SCAN_MAX_BYTES = 64 * MiB;
/**
 * What music-metadata may be handed to read a file's headers and tags, covers left out. Tags are read
 * whole into memory and kept as strings (a 64 MiB ID3 text frame took 8 s to decode here), so this bounds
 * both memory and time. ID3v2 tags before the audio that are over it are skipped and the audio described
 * without them; other files whose headers are over it are refused.
 */
export const AUDIO_HEADER_MAX_BYTES = 32 * MiB;
/** The largest cover picture read for a thumbnail; a larger one is left out. */
export const AUDIO_COVER_MAX_BYTES = 16 * MiB;
/** Wall-clock time for reading an audio file's headers, tags and cover, and for counting its frames. */
export const AUDIO_PARSE_SECONDS = 20;

/**
 * Describes an audio file through a random-access Blob (see range-blob.ts), so only headers and tags are
 * fetched: the samples in between are skipped, not read. `duration: false` keeps music-metadata from
 * walking every frame of an MP3 or ADTS stream; their duration then comes from a Xing/VBRI/Info header,
 * from one streamed pass over the frames for files up to FRAME_SCAN_MAX_BYTES, or from size and bitrate.
 *
 * Memory follows the budgets, never the file: the tags are parsed without pictures (`skipCovers`) and
 * then only the chosen cover is read, capped in bytes. Throws whatever the Blob's reads throw (storage
 * failures are retried); a parser error with healthy reads means the bytes are bad and is answered as a
 * refusal, as is a file whose headers are over budget.
 */
export async function describeAudio(
  blob: RangeBlob,
  format: string,
  options: { contentType: string; audioOnly: boolean; open: () => Promise<Readable>; clock?: Clock },
): Promise<AudioDescription> {
  const clock = options.clock ?? serviceClock();
  const deadline = clock.now() + AUDIO_PARSE_SECONDS * 1000;
  const headerBudget: Budget = { maxBytes: AUDIO_HEADER_MAX_BYTES, deadline, clock };
  const tagsBefore = await leadingTagBytes(blob, headerBudget);
  let tagsSkipped = false;
  let parsed = await parse(blob, new Meter(headerBudget), { skipCovers: true });
  if ("exceeded" in parsed && parsed.exceeded === "bytes" && tagsBefore > 0) {
    // Tags over budget before the audio: described from the audio alone, as if it had no tags.
    log.warn("audio tags over budget, described without them", { tagBytes: tagsBefore });
    tagsSkipped = true;
    parsed = await parse(blob, new Meter(headerBudget), { skipCovers: true }, { from: tagsBefore, type: options.contentType });
  }
  if ("exceeded" in parsed) {
    return {
      ok: false,
      reason:
        parsed.exceeded === "bytes"
          ? `The file's headers and tags are larger than ${AUDIO_HEADER_MAX_BYTES / MiB} MiB, the most that is read.`
          : `The file's headers could not be read within ${AUDIO_PARSE_SECONDS} seconds.`,
    };
  }
  if ("damaged" in parsed) return { ok: false, reason: `The audio could not be read: ${describeParseError(parsed.damaged)}.` };
  const { metadata: audio, delivered } = parsed;

  const f = audio.format;
  if (f.hasVideo) return { ok: false, reason: "The file holds video, not only audio." };
  if (options.audioOnly && f.hasAudio === false) return { ok: false, reason: "The file holds no audio." };
  if (!f.sampleRate && !f.duration) return { ok: false, reason: "The file has a valid header but no readable audio stream." };

  const metadata: MediaMetadata = { format };
  const counted = f.duration === undefined && blob.size <= FRAME_SCAN_MAX_BYTES ? await countedDuration(options.open, tagsBefore, blob.size, headerBudget) : undefined;
  const duration = f.duration ?? counted ?? (f.bitrate ? (blob.size * 8) / f.bitrate : undefined);
  if (duration !== undefined && Number.isFinite(duration) && duration >= 0) metadata.durationSeconds = Math.round(duration * 1000) / 1000;
  if (f.bitrate && Number.isFinite(f.bitrate)) metadata.bitrate = Math.round(f.bitrate);
  if (f.sampleRate) metadata.sampleRate = f.sampleRate;
  if (f.numberOfChannels) metadata.channels = f.numberOfChannels;
  const codec = tag(f.codec);
  if (codec) metadata.codec = codec;
  for (const key of ["title", "artist", "album"] as const) {
    const value = tag(audio.common[key]);
    if (value) metadata[key] = value;
  }

  const cover = tagsSkipped ? undefined : await coverOf(blob, format, tagsBefore, { maxBytes: delivered + AUDIO_COVER_MAX_BYTES, deadline, clock });
  if (!cover) return { ok: true, metadata };
  // sharp only for a file with a cover: loaded here, outside the refusal below, so that a missing
  // module fails the message (retried) rather than passing for a broken picture.
  const { thumbnailOf } = await import("./image");
  try {
    return { ok: true, metadata, thumbnail: await thumbnailOf(cover.data) };
  } catch (error) {
    // A broken cover picture does not make the audio bad: the file is ready, just without a preview.
    log.warn("cover art could not be turned into a thumbnail", { format: cover.format, bytes: cover.data.length, error: error instanceof Error ? error.message : String(error) });
    return { ok: true, metadata };
  }
}

/** The bytes of ID3v2 tags before the audio; 0 if even their headers are over budget (a parser then tells). */
async function leadingTagBytes(blob: RangeBlob, budget: Budget): Promise<number> {
  try {
    return await id3v2PrefixLength(blob.metered(new Meter({ ...budget, maxBytes: 64 * 1024 })));
  } catch (error) {
    if (error instanceof BudgetExceededError) return 0;
    throw error;
  }
}

type Parsed = { metadata: IAudioMetadata; delivered: number } | { exceeded: BudgetExceededError["kind"] } | { damaged: unknown };

/**
 * music-metadata over the blob (from `at.from` on), its reads charged to `meter`, telling storage
 * failures, budgets and bad bytes apart.
 */
async function parse(blob: RangeBlob, meter: Meter, options: Pick<IOptions, "skipCovers">, at?: { from: number; type: string }): Promise<Parsed> {
  const view = at ? blob.from(at.from, meter, at.type) : blob.metered(meter);
  try {
    const metadata = await parseBlob(view, { duration: false, includeChapters: false, ...options });
    // A parser may stop quietly at a read error and return what it had: that is not the file's fault either.
    if (blob.failure !== undefined) throw blob.failure;
    if (meter.exceeded) return { exceeded: meter.exceeded.kind };
    return { metadata, delivered: meter.bytes };
  } catch (error) {
    if (blob.failure !== undefined) throw blob.failure;
    if (meter.exceeded) return { exceeded: meter.exceeded.kind };
    return { damaged: error };
  }
}

/**
 * The picture to make the thumbnail from. A FLAC's is found among its PICTURE blocks and read alone;
 * other formats keep pictures inside their tags, so music-metadata reads the tags once more, now with
 * pictures, within what the first pass read plus one cover: more pictures than that, and the file is
 * described without one.
 */
async function coverOf(blob: RangeBlob, format: string, tagsBefore: number, limits: Budget): Promise<Picture | undefined> {
  try {
    if (format === "flac") {
      const found = await flacCover(blob.from(tagsBefore, new Meter({ ...limits, maxBytes: AUDIO_COVER_MAX_BYTES + 1024 * 1024 })), AUDIO_COVER_MAX_BYTES);
      if (found !== "none") return found;
    }
    const parsed = await parse(blob, new Meter(limits), { skipCovers: false });
    if ("exceeded" in parsed) {
      log.warn("cover art over budget, described without it", { budget: parsed.exceeded });
      return undefined;
    }
    if ("damaged" in parsed) return undefined;
    const cover = selectCover(parsed.metadata.common.picture);
    if (!cover || cover.data.length > AUDIO_COVER_MAX_BYTES) return undefined;
    return { format: cover.format, data: Buffer.from(cover.data.buffer, cover.data.byteOffset, cover.data.byteLength) };
  } catch (error) {
    if (error instanceof BudgetExceededError) {
      log.warn("cover art over budget, described without it", { budget: error.kind });
      return undefined;
    }
    throw error;
  }
}

/**
 * The duration from every frame, in one streamed pass after the leading tags, stopped at the deadline;
 * undefined if even that finds none or time runs out (the caller then estimates).
 */
async function countedDuration(open: () => Promise<Readable>, skip: number, size: number, budget: Budget): Promise<number | undefined> {
  const source = await open();
  const left = budget.deadline - (budget.clock ?? serviceClock()).now();
  const timer = setTimeout(() => source.destroy(new BudgetExceededError("time")), Math.max(0, left));
  try {
    const parsed = await parseStream(skip > 0 ? Readable.from(after(source, skip), { objectMode: false }) : source, { size: size - skip }, { duration: true, skipCovers: true, skipPostHeaders: true });
    return parsed.format.duration;
  } catch {
    return undefined; // the first pass already accepted the file; without a count it gets an estimate
  } finally {
    clearTimeout(timer);
    // Parsers may stop before the end; the object's stream must not stay open (a socket per file).
    source.destroy();
  }
}

/** The stream's bytes from offset `skip` on. */
async function* after(stream: Readable, skip: number): AsyncGenerator<Buffer> {
  let left = skip;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    yield left > 0 ? b.subarray(left) : b;
    left = 0;
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
