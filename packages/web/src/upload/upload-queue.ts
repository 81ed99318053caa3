import { AbortedError, AppError, errorFromThrown } from "../api/errors";
import type { MediaFile, PresignAnswer } from "../api/types";
import { formatBytes } from "../format";
import type { Limits } from "../usage/usage-store";
import { acceptFile } from "./media-accept";
import type { UnfinishedUpload, UnfinishedUploads } from "./unfinished-uploads";
import { failed, isFinished, pendingView, type UploadItem, type UploadState } from "./upload-state";

export { isFinished, type UploadItem, type UploadState };

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

interface Job {
  item: UploadItem;
  file: File;
  /** A multipart upload of this file left unfinished earlier (another page load): finished, not started again. */
  resume?: UnfinishedUpload | undefined;
  abort?: () => void;
  samples: Array<{ t: number; loaded: number }>;
  /** Added before the limits were known: not sent until they are and the file passes them. */
  awaitingLimits?: boolean;
  /** UsageStore.sequence() when the API accepted it (its bytes reserved there). */
  reservedAt?: number | undefined;
  /** Cancelled from the library: its record is deleted and its state already final. */
  forgotten?: boolean;
}

const SPEED_WINDOW_MS = 3_000;
let seq = 0;

export class UploadQueue {
  private jobs: Job[] = [];
  private listeners = new Set<(items: readonly UploadItem[]) => void>();
  private snapshot: readonly UploadItem[] = [];
  private readonly now: () => number;
  private readonly concurrency: number;

  constructor(private readonly deps: UploadDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.concurrency = deps.concurrency ?? 3;
  }

  get items(): readonly UploadItem[] {
    return this.snapshot;
  }

  subscribe(fn: (items: readonly UploadItem[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Checks every file before anything is sent and queues those that pass. The quota check counts the
   * files earlier in the same batch (and still waiting in the queue), so a batch that would not fit is
   * refused file by file instead of half-uploaded. Files added while the limits are still unknown (the
   * first GET /me has not answered) wait for them.
   */
  add(files: Iterable<File>): UploadItem[] {
    const added: Job[] = [];
    for (const file of files) {
      const job: Job = { item: { id: `u${++seq}`, name: file.name, size: file.size, state: { kind: "queued" } }, file, samples: [], resume: this.deps.unfinished?.find(file) };
      const accepted = acceptFile(file);
      if (!accepted.ok) {
        job.item.state = { kind: "refused", reason: accepted.reason };
      } else {
        job.item.contentType = accepted.contentType;
        job.item.mediaKind = accepted.kind;
        if (file.size === 0) job.item.state = { kind: "refused", reason: "This file is empty." };
      }
      this.jobs.push(job);
      if (job.item.state.kind === "queued") this.checkLimits(job, false);
      added.push(job);
    }
    if (added.some((j) => j.awaitingLimits)) {
      // A failure to learn them is no reason to hold files for ever: the API enforces the limits too.
      void this.deps.limitsReady!()
        .catch(() => undefined)
        .then(() => {
          for (const job of this.jobs) if (job.awaitingLimits) this.checkLimits(job, true);
          this.emit();
          this.pump();
        });
    }
    this.emit();
    this.pump();
    return added.map((j) => j.item);
  }

  /** Refuses a queued file larger than the per-file limit or than what the quota has left after the files before it. */
  private checkLimits(job: Job, final: boolean): void {
    const limits = this.deps.limits();
    // The quota is known only from GET /me (a per-file limit may be known earlier, from the build).
    job.awaitingLimits = limits.remainingBytes === undefined && !final && this.deps.limitsReady !== undefined;
    if (job.awaitingLimits || job.item.state.kind !== "queued") return;
    const size = job.item.size;
    if (limits.maxFileBytes !== undefined && size > limits.maxFileBytes) {
      job.item = { ...job.item, state: { kind: "refused", reason: `This file is ${formatBytes(size)}; files can be at most ${formatBytes(limits.maxFileBytes)}.` } };
      return;
    }
    if (limits.remainingBytes === undefined) return;
    // An unfinished upload's bytes are reserved already (GET /me counts them): they leave room for itself.
    const own = job.resume ? size : 0;
    const left = Math.max(0, limits.remainingBytes + own - this.bytesAhead(job, limits));
    if (size > left) {
      job.item = { ...job.item, state: { kind: "refused", reason: `Not enough space: this file is ${formatBytes(size)} and ${formatBytes(left)} is left. Delete some files to make room.` } };
    }
  }

  cancel(id: string): void {
    const job = this.jobs.find((j) => j.item.id === id);
    if (!job) return;
    const k = job.item.state.kind;
    if (k === "queued") {
      this.update(job, { kind: "cancelled" });
      return;
    }
    // Aborting rejects the request or the transfer, which moves the job to cancelled and releases its
    // quota. Once stored, a file is no longer cancelled but deleted from the library, on purpose.
    if (k === "uploading") job.abort?.();
  }

  /**
   * The library cancelled this file's pending record (DELETE /files/{id}): stop sending or waiting for
   * it. The record is gone already, so nothing more is released here.
   */
  forget(fileId: string): void {
    const job = this.jobs.find((j) => j.item.fileId === fileId && !isFinished(j.item.state));
    if (!job) return;
    this.update(job, { kind: "cancelled" });
    job.forgotten = true;
    this.deps.unfinished?.forget(job.file);
    job.abort?.();
  }

  /** Removes finished rows (ready, rejected, refused, failed, cancelled) from the list. */
  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => !isFinished(j.item.state));
    this.emit();
  }

  dismiss(id: string): void {
    const job = this.jobs.find((j) => j.item.id === id);
    if (job && isFinished(job.item.state)) {
      this.jobs = this.jobs.filter((j) => j !== job);
      this.emit();
    }
  }

  /** Sign-out: cancels what is still being sent and stops waiting for verdicts. */
  stopAll(): void {
    for (const job of this.jobs) {
      if (job.item.state.kind === "processing") job.abort?.();
      else this.cancel(job.item.id);
    }
  }

  /**
   * Files still on their way before this one are counted here so that neither a batch nor a second
   * batch overbooks the quota, except those GET /me already counts: accepted before the request whose
   * answer the limits come from, they are in its reservedBytes (or, once settled, its bytes).
   */
  private bytesAhead(job: Job, limits: Limits): number {
    const moving = new Set(["queued", "uploading", "processing"]);
    const counted = (j: Job) => limits.reservedAsOf !== undefined && j.reservedAt !== undefined && j.reservedAt < limits.reservedAsOf;
    let sum = 0;
    for (const j of this.jobs) {
      if (j === job) break;
      if (moving.has(j.item.state.kind) && !counted(j)) sum += j.item.size;
    }
    return sum;
  }

  private pump(): void {
    const active = this.jobs.filter((j) => j.item.state.kind === "uploading").length;
    let free = this.concurrency - active;
    for (const job of this.jobs) {
      if (free <= 0) break;
      if (job.item.state.kind !== "queued" || job.awaitingLimits) continue;
      free--;
      void this.run(job);
    }
  }

  private async run(job: Job): Promise<void> {
    const { item, file } = job;
    this.update(job, { kind: "uploading", loaded: 0, total: item.size });
    const controller = new AbortController();
    // Until the API has answered, a cancel only marks the job: the answer's reservation is given back then.
    let authorised = false;
    let cancelled = false;
    job.abort = () => {
      cancelled = true;
      if (authorised) controller.abort();
    };
    const accepted = (fileId: string, reservedAt: number | undefined, isNew = true) => {
      authorised = true;
      job.reservedAt = reservedAt;
      job.item = { ...job.item, fileId };
      this.emit();
      if (cancelled) throw new AbortedError();
      // A resumed upload's pending file is in the library already (listed by the API).
      if (isNew) this.deps.onAccepted?.(pendingView(item, fileId));
      job.samples = [{ t: this.now(), loaded: 0 }];
    };
    const send = { signal: controller.signal, onProgress: (loaded: number, total: number) => this.progress(job, loaded, total) };
    let multipart = false;
    try {
      const fresh = () =>
        this.deps.upload(file, {
          ...send,
          contentType: item.contentType!,
          onAuthorised: (answer) => {
            multipart = "multipart" in answer;
            if ("multipart" in answer) this.deps.unfinished?.remember(file, { fileId: answer.fileId, uploadId: answer.multipart.uploadId, expiresAt: answer.multipart.expiresAt });
            accepted(answer.fileId, this.deps.usageSequence?.());
          },
        });
      multipart = job.resume !== undefined && this.deps.resume !== undefined;
      if (!multipart || !(await this.resumed(job, accepted, send))) {
        authorised = false;
        await fresh();
      }
    } catch (error) {
      this.next();
      // An aborted send was given back by the client itself (UploadDeps.upload): not deleted twice.
      const released = controller.signal.aborted;
      return this.failedSend(job, errorFromThrown(error, authorised ? "storage" : "server"), { authorised, cancelled, multipart, released });
    }
    this.deps.unfinished?.forget(file);
    this.update(job, { kind: "processing" });
    this.next();
    if (job.forgotten) return;

    const processing = new AbortController();
    job.abort = () => processing.abort();
    try {
      const stored = await this.deps.settle(job.item.fileId!, processing.signal);
      this.update(job, stored.status === "rejected" ? { kind: "rejected", reason: stored.rejectionReason ?? "The file was not accepted." } : { kind: "ready", file: stored });
      this.deps.onSettled?.(stored);
    } catch (error) {
      const e = errorFromThrown(error);
      // Stopped waiting (sign-out): the stored file stays, and the library shows its verdict later.
      if (e instanceof AbortedError) return;
      this.update(job, failed(e));
    }
  }

  /**
   * Finishes the upload this file left unfinished: true when it did. False when the server no longer
   * knows it (completed, aborted, expired): then the file is sent afresh.
   */
  private async resumed(job: Job, accepted: (fileId: string, reservedAt: number, isNew: boolean) => void, send: SendOptions): Promise<boolean> {
    const { fileId } = job.resume!;
    // Reserved in an earlier page load: GET /me counts it already, whatever request answered it.
    accepted(fileId, Number.NEGATIVE_INFINITY, false);
    try {
      await this.deps.resume!(fileId, job.file, send);
      return true;
    } catch (error) {
      const e = errorFromThrown(error);
      if (!(e instanceof AppError) || e.source !== "api" || !(e.status === 404 || e.status === 409)) throw error;
      this.deps.unfinished?.forget(job.file);
      job.resume = undefined;
      job.item = { ...job.item, fileId: undefined };
      job.reservedAt = undefined;
      return false;
    }
  }

  /** Where a send that did not finish leaves the job, and what becomes of its reservation. */
  private failedSend(job: Job, e: AppError | AbortedError, how: { authorised: boolean; cancelled: boolean; multipart: boolean; released: boolean }): void {
    const stopped = how.cancelled || e instanceof AbortedError;
    if (!how.authorised) {
      if (stopped) return this.update(job, { kind: "cancelled" });
      if (e instanceof AppError && e.isRefusal) {
        const max = e.details?.maxFileBytes;
        if (e.code === "FileTooLarge" && typeof max === "number") this.deps.onMaxFileBytes?.(max);
        return this.update(job, { kind: "refused", reason: e.message });
      }
      return this.update(job, failed(e));
    }
    if (!stopped && how.multipart && !(e instanceof AppError && e.source === "client")) {
      // The parts that arrived stay, and so does the reservation: choosing the file again sends the rest.
      const state = failed(e);
      if (state.kind === "failed") state.message = `${state.message} Choose the same file again to resume where it stopped.`;
      return this.update(job, state);
    }
    this.deps.unfinished?.forget(job.file);
    if (how.released) return this.update(job, { kind: "cancelled" });
    this.abandon(job, stopped ? { kind: "cancelled" } : failed(e));
  }

  private progress(job: Job, loaded: number, total: number): void {
    if (job.item.state.kind !== "uploading") return;
    const t = this.now();
    // The multipart body is a little larger than the file: report the file's share of it.
    const size = job.item.size;
    const fileLoaded = total > 0 ? Math.min(size, Math.round((loaded / total) * size)) : 0;
    job.samples.push({ t, loaded: fileLoaded });
    while (job.samples.length > 2 && t - job.samples[0]!.t > SPEED_WINDOW_MS) job.samples.shift();
    const first = job.samples[0]!;
    const elapsed = (t - first.t) / 1000;
    const state: UploadState = { kind: "uploading", loaded: fileLoaded, total: size };
    if (elapsed > 0.05 && fileLoaded > first.loaded) {
      state.bytesPerSecond = (fileLoaded - first.loaded) / elapsed;
      state.secondsLeft = (size - fileLoaded) / state.bytesPerSecond;
    }
    this.update(job, state);
  }

  /** Ends an upload that has a pending record on the server, releasing its reserved quota. */
  private abandon(job: Job, state: UploadState): void {
    this.update(job, state);
    const fileId = job.item.fileId;
    if (fileId && !job.forgotten) void this.deps.discard(fileId).catch(() => undefined);
  }

  private next(): void {
    queueMicrotask(() => this.pump());
  }

  private update(job: Job, state: UploadState): void {
    if (job.forgotten) return;
    job.item = { ...job.item, state };
    this.emit();
  }

  private emit(): void {
    this.snapshot = this.jobs.map((j) => j.item);
    for (const fn of this.listeners) fn(this.snapshot);
  }
}
