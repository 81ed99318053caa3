import { AbortedError, AppError, errorFromThrown } from "../api/errors";
import { afterFailedSend, type SendEnd } from "./failed-send";
import { acceptFile } from "./media-accept";
import { bytesAhead, limitRefusal } from "./quota-check";
import { uploadingState, type SpeedSample } from "./transfer-speed";
import type { UnfinishedUpload } from "./unfinished-uploads";
import type { SendOptions, UploadDeps } from "./upload-deps";
import { failed, isFinished, pendingView, type UploadItem, type UploadState } from "./upload-state";

export { isFinished, type SendOptions, type UploadDeps, type UploadItem, type UploadState };

interface Job {
  item: UploadItem;
  file: File;
  /** A multipart upload of this file left unfinished earlier (another page load): finished, not started again. */
  resume?: UnfinishedUpload | undefined;
  abort?: () => void;
  samples: SpeedSample[];
  /** Added before the limits were known: not sent until they are and the file passes them. */
  awaitingLimits?: boolean;
  /** UsageStore.sequence() when the API accepted it (its bytes reserved there). */
  reservedAt?: number | undefined;
  /** Cancelled from the library: its record is deleted and its state already final. */
  forgotten?: boolean;
}

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
    const ahead = bytesAhead(this.jobs.slice(0, this.jobs.indexOf(job)), limits);
    const reason = limitRefusal(job.item.size, limits, ahead, job.resume !== undefined);
    if (reason) job.item = { ...job.item, state: { kind: "refused", reason } };
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
  private failedSend(job: Job, e: AppError | AbortedError, how: SendEnd): void {
    const after = afterFailedSend(e, how);
    if (after.maxFileBytes !== undefined) this.deps.onMaxFileBytes?.(after.maxFileBytes);
    if (after.forgetUnfinished) this.deps.unfinished?.forget(job.file);
    if (after.discard) this.abandon(job, after.state);
    else this.update(job, after.state);
  }

  private progress(job: Job, loaded: number, total: number): void {
    if (job.item.state.kind !== "uploading") return;
    this.update(job, uploadingState(job.samples, this.now(), loaded, total, job.item.size));
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
