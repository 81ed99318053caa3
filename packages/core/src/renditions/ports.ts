import type { MediaRecord, RenditionState } from "../media-record";
import type { Clock, EventPublisher, MediaRepository, ObjectStorage } from "../ports";
import type { RenditionRequest } from "./render";
import type { StreamPlan } from "./rendition-plan";
import type { Waveform } from "./waveform";

/**
 * The ports of the renditions pipeline. The encoders work on files on local disk (Lambda's /tmp), which
 * ffmpeg can seek in: an MP4 whose index sits at its end cannot be decoded from a pipe.
 */

/** A file on local disk that is removed by `dispose`. */
export interface LocalFile {
  path: string;
  bytes: number;
  dispose(): Promise<void>;
}

export interface RenditionFiles {
  /** The object copied to a local file; undefined when it no longer exists. */
  download(key: string): Promise<LocalFile | undefined>;
  /** Streams a local file to a derived object (never under users/, which notifies the index queue). */
  upload(key: string, file: LocalFile, contentType: string): Promise<void>;
}

/**
 * The file cannot be rendered, and trying again will not change that (it is corrupt, silent for zero
 * samples, or too long to encode in the time there is). `reason` is shown to the file's owner.
 */
export class RenditionRefusedError extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "RenditionRefusedError";
  }
}

export interface AudioRenderInput {
  source: LocalFile;
  /** Make a stream rendition as planned; without it, the waveform alone. */
  stream?: StreamPlan;
  /** Epoch ms by which the work must be over (the encoder is killed then). */
  deadline: number;
}

export interface AudioRendering {
  waveform: Waveform;
  stream?: LocalFile;
}

/** Decodes audio once into its waveform and, when asked, its stream rendition. Throws RenditionRefusedError for the file's faults. */
export interface AudioRenderer {
  render(input: AudioRenderInput): Promise<AudioRendering>;
}

/** The display-size WebP of an image (format as the indexer named it). Throws RenditionRefusedError for the file's faults. */
export interface ImagePreviewer {
  preview(input: { source: LocalFile; format: string | undefined; deadline: number }): Promise<Buffer>;
}

/** Where the state of a file's renditions is kept: on its record. */
export interface RenditionRecords {
  /**
   * Writes `state` on the record if it is still ready and still describes the object of `eTag`;
   * "unchanged" when it is gone, no longer ready, or describes another object now.
   */
  save(userId: string, fileId: string, eTag: string | undefined, state: RenditionState): Promise<"updated" | "unchanged">;
}

export interface RenditionDeps {
  repo: Pick<MediaRepository, "get">;
  records: RenditionRecords;
  storage: Pick<ObjectStorage, "put" | "remove">;
  files: RenditionFiles;
  audio: AudioRenderer;
  images: ImagePreviewer;
  /** Where `media.renditions` is announced once the record says what exists (the media-events topic). */
  events: EventPublisher;
  clock: Clock;
}

export type { MediaRecord };

/** The renditions function's queue, for requests that do not come from the topic (`npm run reindex`). */
export interface RenditionQueue {
  /** Whether a request for the same file waits in the queue already (false where the queue cannot tell). */
  waiting(request: RenditionRequest): Promise<boolean>;
  enqueue(request: RenditionRequest): Promise<void>;
}
