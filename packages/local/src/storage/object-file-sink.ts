import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";
import { sharedHasher, type HashJob } from "./md5-meter";

/**
 * The end of an upload's pipeline: writes the body into an open file, fsyncs it, and measures its size
 * and MD5 (the S3 ETag) on the way, in one stage.
 *
 * Why one stage and not a hashing Transform followed by fs.WriteStream: a socket delivers a body
 * 64 KiB at a time, and each stream stage costs per chunk. Here each chunk is only copied into a 1 MiB
 * batch buffer; a full batch goes to the MD5 thread (md5-meter.ts: its memory is transferred, not
 * cloned), comes back hashed and is then written to the file (one write at a time, of every batch
 * ready: writev on the thread pool). Batches are reused, never
 * reallocated (fresh 1 MiB buffers cost page faults), and at most BATCHES of them exist per upload:
 * memory stays bounded, and a slow disk or hash slows the body down (backpressure) instead of queueing.
 *
 * Writeback is started early, as the upload arrives: every WRITEBACK_BYTES written, an fdatasync runs
 * alongside the writes that follow (at most one at a time). Without it the kernel keeps a 1 GiB upload
 * dirty in the page cache and the final fsync writes all of it while the client waits (0.29 s per GiB,
 * 15-20% of an upload, where this was measured). It is only earlier work: durability comes from the
 * fsync at the end, before the stream finishes. An early flush's error fails the upload: the kernel
 * reports a writeback error once, so the final fsync might not see it again.
 *
 * A body that fits in one batch never leaves this thread: hashed inline and written in one call.
 */
export const BATCH_BYTES = 1024 * 1024;
const BATCHES = 8;
export const WRITEBACK_BYTES = 64 * 1024 * 1024;

export class ObjectFileSink extends Writable {
  /** Bytes received so far. */
  size = 0;
  private batch: Buffer | undefined;
  private batchLength = 0;
  private readonly spare: Buffer[] = [];
  private allocated = 0;
  /** Lengths of the batches at the hasher, in the order it hands them back (the order of the body). */
  private readonly atHasher: number[] = [];
  private job: HashJob | undefined;
  private smallMd5: string | undefined;
  /** Hashed batches waiting for the write in progress to finish; they follow each other in the file. */
  private readonly toWrite: Array<{ batch: Buffer; length: number }> = [];
  private writePosition = 0;
  private writing = 0;
  private sinceSync = 0;
  private syncing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** A write waiting for a free batch, or the end waiting for every batch to be on disk. */
  private blocked: (() => void) | undefined;

  constructor(private readonly file: FileHandle) {
    super({ highWaterMark: BATCH_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.copyIn(chunk, 0, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    if (!this.job) {
      // The whole body is in the first batch (or there was none): hash it here, one write.
      const bytes = this.batch ? this.batch.subarray(0, this.batchLength) : Buffer.alloc(0);
      this.smallMd5 = createHash("md5").update(bytes).digest("hex");
      void (bytes.length > 0 ? this.file.write(bytes, 0, bytes.length, 0) : Promise.resolve())
        .then(() => this.file.sync())
        .then(() => callback(), callback);
      return;
    }
    if (this.batchLength > 0) this.send();
    const settle = () => {
      if (this.failure) return callback(this.failure);
      if (this.atHasher.length > 0 || this.writing > 0) {
        this.blocked = settle;
        return;
      }
      void Promise.resolve(this.syncing)
        .then(() => {
          if (this.failure) throw this.failure;
          return this.file.sync();
        })
        .then(() => callback(), callback);
    };
    settle();
  }

  /** The hex MD5 of every byte written; call once the stream has finished. */
  async digestHex(): Promise<string> {
    if (this.smallMd5 !== undefined) return this.smallMd5;
    const job = this.job!;
    this.job = undefined;
    return job.digest();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A stream is also destroyed after a clean finish (autoDestroy): the digest is still to be read then.
    if (error) {
      this.job?.drop();
      this.job = undefined;
    }
    this.failure ??= error ?? undefined;
    this.wake();
    callback(error);
  }

  private copyIn(chunk: Buffer, offset: number, callback: (error?: Error | null) => void): void {
    while (offset < chunk.length) {
      if (this.failure) return callback(this.failure);
      if (!this.batch) {
        const batch = this.takeBatch();
        if (!batch) {
          this.blocked = () => this.copyIn(chunk, offset, callback);
          return;
        }
        this.batch = batch;
      }
      const n = chunk.copy(this.batch, this.batchLength, offset);
      this.batchLength += n;
      this.size += n;
      offset += n;
      if (this.batchLength === this.batch.length) this.send();
    }
    callback();
  }

  private takeBatch(): Buffer | undefined {
    const spare = this.spare.pop();
    if (spare) return spare;
    if (this.allocated >= BATCHES) return undefined;
    this.allocated++;
    // Its own ArrayBuffer (not a slice of Buffer's shared pool), so it can be transferred.
    return Buffer.from(new ArrayBuffer(BATCH_BYTES));
  }

  private send(): void {
    this.job ??= sharedHasher().start({
      onFree: (buffer) => this.hashed(Buffer.from(buffer)),
      onFail: (error) => this.fail(error),
    });
    this.atHasher.push(this.batchLength);
    this.job.update(this.batch!.buffer as ArrayBuffer, this.batchLength);
    this.batch = undefined;
    this.batchLength = 0;
  }

  /** A batch is back from the hasher: now it goes to disk, then it is free again. */
  private hashed(batch: Buffer): void {
    this.toWrite.push({ batch, length: this.atHasher.shift()! });
    this.writeQueued();
  }

  /**
   * One write at a time, of every batch ready (writev): concurrent writes to one file only queue on
   * its inode lock in the kernel, spinning meanwhile.
   */
  private writeQueued(): void {
    if (this.writing > 0 || this.toWrite.length === 0 || this.failure) return;
    const batches = this.toWrite.splice(0);
    const bytes = batches.reduce((sum, b) => sum + b.length, 0);
    this.writing = 1;
    this.file.writev(batches.map((b) => b.batch.subarray(0, b.length)), this.writePosition).then(
      ({ bytesWritten }) => {
        this.writing = 0;
        // writev on a regular file writes everything or fails; anything else would be a short write.
        if (bytesWritten !== bytes) return this.fail(new Error(`short write: ${bytesWritten} of ${bytes} bytes`));
        this.writePosition += bytes;
        for (const b of batches) this.spare.push(b.batch);
        this.sinceSync += bytes;
        if (this.sinceSync >= WRITEBACK_BYTES && !this.syncing) this.startWriteback();
        this.writeQueued();
        this.wake();
      },
      (error: Error) => {
        this.writing = 0;
        this.fail(error);
      },
    );
  }

  private startWriteback(): void {
    this.sinceSync = 0;
    this.syncing = this.file.datasync().then(
      () => {
        this.syncing = undefined;
      },
      (error: Error) => {
        this.syncing = undefined;
        this.fail(error);
      },
    );
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    const blocked = this.blocked;
    this.blocked = undefined;
    blocked?.();
  }
}
