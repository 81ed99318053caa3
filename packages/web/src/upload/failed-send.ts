import { AbortedError, AppError } from "../api/errors";
import { failed, type UploadState } from "./upload-state";

/** How a send that did not finish ended. */
export interface SendEnd {
  /** The API had accepted the upload (a pending record and its reservation exist). */
  authorised: boolean;
  /** The person cancelled it. */
  cancelled: boolean;
  multipart: boolean;
  /** The send was aborted, so the client gave the reservation back itself (UploadDeps.upload). */
  released: boolean;
}

export interface AfterFailedSend {
  state: UploadState;
  /** The largest file size the API's refusal named. */
  maxFileBytes?: number;
  /** The unfinished multipart upload is not to be resumed. */
  forgetUnfinished: boolean;
  /** The pending record is to be deleted here, giving its reservation back. */
  discard: boolean;
}

/** Where a send that did not finish leaves the upload, and what becomes of its reservation. */
export function afterFailedSend(e: AppError | AbortedError, how: SendEnd): AfterFailedSend {
  const stopped = how.cancelled || e instanceof AbortedError;
  if (!how.authorised) {
    const none = { forgetUnfinished: false, discard: false };
    if (stopped) return { ...none, state: { kind: "cancelled" } };
    if (e instanceof AppError && e.isRefusal) {
      const max = e.details?.maxFileBytes;
      const learned = e.code === "FileTooLarge" && typeof max === "number" ? { maxFileBytes: max } : {};
      return { ...none, ...learned, state: { kind: "refused", reason: e.message } };
    }
    return { ...none, state: failed(e) };
  }
  if (!stopped && how.multipart && !(e instanceof AppError && e.source === "client")) {
    // The parts that arrived stay, and so does the reservation: choosing the file again sends the rest.
    const state = failed(e);
    if (state.kind === "failed") state.message = `${state.message} Choose the same file again to resume where it stopped.`;
    return { state, forgetUnfinished: false, discard: false };
  }
  // Not deleted twice: an aborted send's record was deleted by the client already.
  return { state: stopped ? { kind: "cancelled" } : failed(e), forgetUnfinished: true, discard: !how.released };
}
