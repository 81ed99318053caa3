import { describeError } from "../api/errors";
import type { MediaFile } from "../api/types";
import type { MediaKind } from "./media-accept";

/**
 * One upload's life:
 *
 *   refused                          (never sent: type, size, quota; or the API refused the request)
 *   queued → uploading(progress, speed) → processing → ready | rejected(reason)
 *        ↘ cancelled ↙        ↘ failed(error) ↙
 *
 * "uploading" covers asking the API for the upload policy and sending the bytes straight to storage
 * (one POST, or parts for a large file, by the client); "processing" is the wait for the indexer to check
 * the stored file and say ready or rejected. A large file whose parts stopped arriving (a reload, a lost
 * network) is remembered: chosen again, only its missing parts are sent.
 */
export type UploadState =
  | { kind: "refused"; reason: string }
  | { kind: "queued" }
  | { kind: "uploading"; loaded: number; total: number; bytesPerSecond?: number; secondsLeft?: number }
  | { kind: "processing" }
  | { kind: "ready"; file: MediaFile }
  | { kind: "rejected"; reason: string }
  | { kind: "failed"; message: string; code?: string }
  | { kind: "cancelled" };

export interface UploadItem {
  /** Local id, stable for the list's keys. */
  id: string;
  name: string;
  size: number;
  contentType?: string;
  mediaKind?: MediaKind;
  /** Known once the API has accepted the upload. */
  fileId?: string;
  state: UploadState;
}

export function isFinished(state: UploadState): boolean {
  return state.kind === "ready" || state.kind === "rejected" || state.kind === "refused" || state.kind === "failed" || state.kind === "cancelled";
}

export function failed(error: unknown): UploadState {
  const d = describeError(error);
  return d.code ? { kind: "failed", message: d.message, code: d.code } : { kind: "failed", message: d.message };
}

/** The File the library shows between the API's acceptance and the indexer's verdict. */
export function pendingView(item: UploadItem, fileId: string): MediaFile {
  return {
    fileId,
    fileName: item.name,
    contentType: item.contentType!,
    size: item.size,
    status: "pending",
    uploadedAt: new Date().toISOString(),
    metadata: {},
  };
}
