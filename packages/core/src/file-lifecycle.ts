import type { MediaEventType } from "./media-event";
import type { MediaStatus } from "./media-record";

/**
 * The lifecycle of a file, written once: its states, the transitions between them, and what each
 * state holds of its owner's usage. The repository adapter applies every transition as one
 * all-or-nothing write (a DynamoDB transaction) over the file's record and the usage counters, with the
 * usage moved by `usageDelta(from, to)`, so record and usage can never disagree. docs/file-lifecycle.md
 * shows the same table for people.
 *
 * `absent` is no record: before a presign, and after a delete, a cancel or the release of an abandoned
 * upload. An object whose event finds its file absent is removed (a late upload of a cancelled file).
 */
export type FileState = MediaStatus | "absent";

export interface Transition {
  from: FileState;
  to: FileState;
  /** Who takes it. */
  by: string;
  /** The media event it owes its subscribers; announced once after the write (see `announcement`). */
  announces?: MediaEventType;
}

export const FILE_TRANSITIONS = {
  presign: { from: "absent", to: "pending", by: "POST /upload, if the declared size fits: stored + reserved + size ≤ quota" },
  ready: { from: "pending", to: "ready", by: "the indexer, for an object whose content is what was declared", announces: "media.ready" },
  rejected: { from: "pending", to: "rejected", by: "the indexer, for an object that is not what was declared", announces: "media.rejected" },
  cancelled: { from: "pending", to: "absent", by: "DELETE /files/{id} on a pending file" },
  released: { from: "pending", to: "absent", by: "a presign that would not fit, or the sweep, once the upload window (and its grace) passed" },
  replaced: { from: "ready", to: "ready", by: "the indexer, for a newer object at the key that passes inspection", announces: "media.ready" },
  replacementRejected: { from: "ready", to: "rejected", by: "the indexer, for a newer object at the key that fails inspection", announces: "media.rejected" },
  deleted: { from: "ready", to: "absent", by: "DELETE /files/{id}", announces: "media.deleted" },
  deletedRejected: { from: "rejected", to: "absent", by: "DELETE /files/{id}", announces: "media.deleted" },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof FILE_TRANSITIONS;

/** What one file in a state holds of its owner's usage. */
export interface UsageShare {
  files: number;
  bytes: number;
  /** Bytes held for an upload that has not arrived: they count against the quota but are not stored. */
  reservedBytes: number;
  pendingUploads: number;
}

const NOTHING: UsageShare = { files: 0, bytes: 0, reservedBytes: 0, pendingUploads: 0 };

/**
 * A pending file holds its declared size as a reservation, a ready one its stored size; a rejected
 * file's object is removed, so it holds nothing. (`size` is the record's: declared while pending.)
 */
export function usageShare(state: FileState, size: number): UsageShare {
  switch (state) {
    case "pending":
      return { ...NOTHING, reservedBytes: size, pendingUploads: 1 };
    case "ready":
      return { ...NOTHING, files: 1, bytes: size };
    case "rejected":
    case "absent":
      return NOTHING;
  }
}

/** How a transition moves the usage: what the file holds after, minus what it held before. */
export function usageDelta(from: { state: FileState; size: number }, to: { state: FileState; size: number }): UsageShare {
  const before = usageShare(from.state, from.size);
  const after = usageShare(to.state, to.size);
  return {
    files: after.files - before.files,
    bytes: after.bytes - before.bytes,
    reservedBytes: after.reservedBytes - before.reservedBytes,
    pendingUploads: after.pendingUploads - before.pendingUploads,
  };
}

/** Whether the lifecycle allows going from one state to another, and by which transitions. */
export function transitionsBetween(from: FileState, to: FileState): TransitionName[] {
  return (Object.keys(FILE_TRANSITIONS) as TransitionName[]).filter((name) => FILE_TRANSITIONS[name].from === from && FILE_TRANSITIONS[name].to === to);
}

/** How often the sweep releases expired uploads (a schedule in the Indexer stack, a timer locally). */
export const SWEEP_MINUTES = 15;
