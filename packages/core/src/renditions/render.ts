import * as z from "zod/v4-mini";
// The issues the log shows worded as zod 3 worded them (and as the account routes' are).
import "../mini-schema";
import { parseOriginalKey, originalKey, renditionKey } from "../keys";
import type { MediaEvent, RenditionName } from "../media-event";
import type { MediaRecord, RenditionState } from "../media-record";
import { hasWork, planRenditions, type RenditionPlan } from "./rendition-plan";
import { PREVIEW_RENDITION, STREAM_RENDITION, WAVEFORM_RENDITION } from "./rendition-settings";
import { RenditionRefusedError, type LocalFile, type RenditionDeps } from "./ports";

/**
 * A request for renditions: the `media.ready` event the indexer publishes (delivered raw from the topic to
 * the renditions queue). Only the file's identity is read from it; what the file is comes from its record,
 * so a stale or repeated event renders what the record describes now. zod 4 mini, as the indexer's
 * S3 notification (indexing.ts): a third of zod 3's bytes in the function's bundle.
 */
export const RenditionRequestSchema = z.object({
  type: z.literal("media.ready"),
  userId: z.string(),
  fileId: z.string(),
  key: z.string(),
});
export type RenditionRequest = z.infer<typeof RenditionRequestSchema>;

export type RenditionOutcome =
  | { outcome: "ready" | "failed"; fileId: string; made: string[]; bytes: number; reason?: string }
  | { outcome: "skipped"; reason: string };

export interface RenderOptions {
  /** Epoch ms by which the encoders must have finished. */
  deadline: number;
  /** The last delivery before the dead-letter queue: an unexpected failure is then recorded on the file. */
  finalAttempt: boolean;
  /**
   * Not the message's first delivery: an earlier attempt may have recorded the renditions and then failed
   * to announce them, so renditions found already made are announced again (once more is harmless: a
   * reader fetches the file again; never is not, the web app would not learn of them).
   */
  redelivered?: boolean;
}

/**
 * Makes the renditions a ready file's plan asks for, stores them under its derived/ prefix and records
 * what exists on the file. Safe to repeat: the same plan writes the same keys, and the record is written
 * only while it still describes the object that was rendered. A file deleted meanwhile leaves nothing
 * behind (what was written is removed when the record turns out to be gone).
 */
export async function makeRenditions(deps: RenditionDeps, request: RenditionRequest, options: RenderOptions): Promise<RenditionOutcome> {
  const owner = parseOriginalKey(request.key);
  if (!owner || owner.userId !== request.userId || owner.fileId !== request.fileId) return { outcome: "skipped", reason: "not an original's key" };
  const record = await deps.repo.get(owner.userId, owner.fileId);
  if (!record || record.status !== "ready") return { outcome: "skipped", reason: "the file is not ready (deleted, rejected or replaced)" };
  if (record.renditions?.status === "ready" && record.renditions.eTag === record.eTag) {
    if (options.redelivered) await deps.events.publish(announcement(record, record.renditions));
    return { outcome: "skipped", reason: "renditions already made" };
  }
  const plan = planRenditions(record);
  if (!hasWork(plan)) return { outcome: "skipped", reason: plan.notes.join(" ") || "nothing to make" };

  const source = await deps.files.download(originalKey(owner.userId, owner.fileId));
  if (!source) return { outcome: "skipped", reason: "the original no longer exists" };
  const written: string[] = [];
  try {
    const made = await render(deps, record, plan, source, options.deadline, written);
    return await finish(deps, record, made, written);
  } catch (error) {
    if (!options.finalAttempt) throw error;
    // Retried to the last attempt: the file says so instead of staying "pending" for ever. The message
    // still goes to the dead-letter queue, and a redrive tries again.
    const reason = "The renditions could not be made (an error on our side, retried); the original is served as it is.";
    const state = stateOf(deps, record, { bytes: 0, keys: {}, failures: [reason] });
    if ((await deps.records.save(record.userId, record.fileId, record.eTag, state)) === "updated") await deps.events.publish(announcement(record, state));
    throw error;
  } finally {
    await source.dispose();
  }
}

interface Made {
  bytes: number;
  keys: Partial<Record<"streamKey" | "previewKey" | "waveformKey", string>>;
  failures: string[];
}

async function render(deps: RenditionDeps, record: MediaRecord, plan: RenditionPlan, source: LocalFile, deadline: number, written: string[]): Promise<Made> {
  const { userId, fileId } = record;
  const made: Made = { bytes: 0, keys: {}, failures: [] };
  const store = async (field: keyof Made["keys"], key: string, write: () => Promise<number>) => {
    written.push(key);
    made.bytes += await write();
    made.keys[field] = key;
  };
  try {
    if (plan.waveform || plan.stream) {
      const rendering = await deps.audio.render(plan.stream ? { source, stream: plan.stream, deadline } : { source, deadline });
      try {
        if (rendering.stream) {
          const stream = rendering.stream;
          await store("streamKey", renditionKey(userId, fileId, STREAM_RENDITION.fileName), async () => {
            await deps.files.upload(renditionKey(userId, fileId, STREAM_RENDITION.fileName), stream, STREAM_RENDITION.contentType);
            return stream.bytes;
          });
        }
        const json = Buffer.from(JSON.stringify(rendering.waveform));
        await store("waveformKey", renditionKey(userId, fileId, WAVEFORM_RENDITION.fileName), async () => {
          await deps.storage.put(renditionKey(userId, fileId, WAVEFORM_RENDITION.fileName), json, WAVEFORM_RENDITION.contentType);
          return json.length;
        });
      } finally {
        await rendering.stream?.dispose();
      }
    }
    if (plan.preview) {
      const webp = await deps.images.preview({ source, format: record.metadata.format, deadline });
      await store("previewKey", renditionKey(userId, fileId, PREVIEW_RENDITION.fileName), async () => {
        await deps.storage.put(renditionKey(userId, fileId, PREVIEW_RENDITION.fileName), webp, PREVIEW_RENDITION.contentType);
        return webp.length;
      });
    }
  } catch (error) {
    if (!(error instanceof RenditionRefusedError)) throw error;
    made.failures.push(error.reason);
  }
  return made;
}

async function finish(deps: RenditionDeps, record: MediaRecord, made: Made, written: string[]): Promise<RenditionOutcome> {
  const state = stateOf(deps, record, made);
  if ((await deps.records.save(record.userId, record.fileId, record.eTag, state)) === "unchanged") {
    // Deleted while we worked: its delete swept derived/ before these were written, so they go now.
    // (Replaced instead: the new object's own event renders it again, to the same keys.)
    const now = await deps.repo.get(record.userId, record.fileId);
    if (!now && written.length > 0) await deps.storage.remove(written);
    return { outcome: "skipped", reason: "the file changed or went away while its renditions were made" };
  }
  // Recorded first, announced second: a reader told of the renditions finds them on the file.
  await deps.events.publish(announcement(record, state));
  const result: RenditionOutcome = { outcome: state.status, fileId: record.fileId, made: Object.values(made.keys), bytes: made.bytes };
  if (state.reason) result.reason = state.reason;
  return result;
}

const NAME_OF_KEY = { streamKey: "stream", previewKey: "preview", waveformKey: "waveform" } as const satisfies Record<keyof Made["keys"], RenditionName>;

/** The `media.renditions` event of a file whose renditions were recorded as `state`. */
export function announcement(record: MediaRecord, state: RenditionState): MediaEvent {
  const made = (Object.keys(NAME_OF_KEY) as Array<keyof typeof NAME_OF_KEY>).filter((field) => state[field] !== undefined).map((field) => NAME_OF_KEY[field]);
  const event: MediaEvent = {
    type: "media.renditions",
    fileId: record.fileId,
    userId: record.userId,
    key: originalKey(record.userId, record.fileId),
    contentType: record.contentType,
    size: record.size,
    metadata: { ...record.metadata },
    renditions: { status: state.status, made },
    at: state.at,
  };
  if (state.reason) event.reason = state.reason;
  return event;
}

function stateOf(deps: RenditionDeps, record: MediaRecord, made: Made): RenditionState {
  const state: RenditionState = { status: made.failures.length > 0 ? "failed" : "ready", bytes: made.bytes, at: new Date(deps.clock.now()).toISOString(), ...made.keys };
  if (record.eTag) state.eTag = record.eTag;
  if (made.failures.length > 0) state.reason = made.failures.join(" ");
  return state;
}
