import type { MediaFile, PresignAnswer } from "../api/types";
import type { Limits } from "../usage/usage-store";
import type { UnfinishedUploads } from "./unfinished-uploads";

/** What the upload queue needs from the rest of the app: the client's sends, the verdicts, the limits. */
export interface SendOptions {
  signal: AbortSignal;
  onProgress(loaded: number, total: number): void;
}

export interface UploadDeps {
  /**
   * Sends one file with the client: the API's authorisation first (told to `onAuthorised`, before any
   * byte), then the bytes straight to storage, by POST or, for a large file, in parts. Rejects with what
   * the client threw; aborted by `signal`, the client gives the reservation back.
   */
  upload(file: File, options: SendOptions & { contentType: string; onAuthorised(answer: PresignAnswer): void }): Promise<unknown>;
  /** Finishes an interrupted multipart upload of this file: asks storage which parts arrived and sends the rest. */
  resume?(fileId: string, file: File, options: SendOptions): Promise<unknown>;
  /** Where unfinished multipart uploads are remembered across reloads. */
  unfinished?: Pick<UnfinishedUploads, "find" | "remember" | "forget">;
  /** Resolves with the file once it is ready or rejected (live events or polling). */
  settle(fileId: string, signal: AbortSignal): Promise<MediaFile>;
  /** Releases the quota a cancelled or failed upload had reserved. */
  discard(fileId: string): Promise<void>;
  /** What is known of the limits now: bytes left in the quota (stored and reserved taken), the largest file accepted. */
  limits(): Limits;
  /** GET /me's request count now (UsageStore.sequence): tells which answers already count an accepted upload as reserved. */
  usageSequence?(): number;
  /**
   * Settles once the limits are known, or could not be learned (GET /me failed). Files added before
   * then wait in the queue and are checked when it settles, so nothing is sent unchecked.
   */
  limitsReady?(): Promise<void>;
  /** The pending file exists on the server: show it in the library at once. */
  onAccepted?(file: MediaFile): void;
  /** It became ready or rejected. */
  onSettled?(file: MediaFile): void;
  /** The largest file size learned from a refusal, for later checks. */
  onMaxFileBytes?(bytes: number): void;
  now?: () => number;
  concurrency?: number;
}
