import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { Worker } from "node:worker_threads";

/**
 * Size and MD5 (the S3 ETag) of an upload, measured as it streams to disk.
 *
 * MD5 is the single largest CPU cost of an upload (about as much as parsing, copying and writing
 * together: ~1.3 s of CPU per GiB on this kind of machine), and it is inherently sequential. Run inline
 * it sits on the event loop, in series with everything else; so a body larger than one batch is hashed
 * on a worker thread instead, in parallel with the parsing and the disk writes.
 *
 * Bytes go to the worker in batches of BATCH_BYTES, copied into buffers whose memory is transferred (not
 * cloned) and handed back once hashed; at most BATCHES_IN_FLIGHT per upload, so memory stays bounded
 * whatever the size, and a slow hash slows the upload down (backpressure) instead of queueing bytes.
 * A body that fits in one batch is hashed inline: no thread hop for the many small uploads.
 */
const BATCH_BYTES = 1024 * 1024;
const BATCHES_IN_FLIGHT = 4;

export class Md5Meter extends Transform {
  size = 0;
  /** Until the body outgrows one batch: its chunks, kept by reference, hashed inline at the end. */
  private small: Buffer[] | undefined = [];
  private smallBytes = 0;
  private batch: Buffer | undefined;
  private batchLength = 0;
  private job: HashJob | undefined;
  private failure: Error | undefined;
  private readonly spare: ArrayBuffer[] = [];
  private allocated = 0;
  private waitingForBuffer: (() => void) | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.small && this.smallBytes + chunk.length <= BATCH_BYTES) {
      this.small.push(chunk);
      this.smallBytes += chunk.length;
      return callback(null, chunk);
    }
    this.offload(chunk).then(
      () => callback(null, chunk),
      (error: unknown) => callback(error as Error),
    );
  }

  /** The hex MD5 of every byte that went through; call once the stream has finished. */
  async digestHex(): Promise<string> {
    if (this.small) {
      const hash = createHash("md5");
      for (const chunk of this.small) hash.update(chunk);
      return hash.digest("hex");
    }
    if (this.failure) throw this.failure;
    if (this.batchLength > 0) this.send();
    const job = this.job!;
    this.job = undefined;
    return job.digest();
  }

  /** The upload failed: the worker forgets this hash. */
  discard(): void {
    this.job?.drop();
    this.job = undefined;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A stream is also destroyed after a clean end (autoDestroy): the digest is still to be read then.
    if (error) this.discard();
    this.wake();
    callback(error);
  }

  private async offload(chunk: Buffer): Promise<void> {
    if (this.small) {
      const earlier = this.small;
      this.small = undefined;
      this.job = sharedHasher().start({
        onFree: (buffer) => {
          this.spare.push(buffer);
          this.wake();
        },
        onFail: (error) => {
          this.failure = error;
          this.wake();
        },
      });
      for (const piece of earlier) await this.copyIn(piece);
    }
    await this.copyIn(chunk);
  }

  private async copyIn(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      this.batch ??= await this.takeBuffer();
      const n = chunk.copy(this.batch, this.batchLength, offset);
      this.batchLength += n;
      offset += n;
      if (this.batchLength === this.batch.length) this.send();
    }
  }

  private send(): void {
    this.job!.update(this.batch!.buffer as ArrayBuffer, this.batchLength);
    this.batch = undefined;
    this.batchLength = 0;
  }

  private async takeBuffer(): Promise<Buffer> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.destroyed) throw new Error("md5 meter destroyed");
      const spare = this.spare.pop();
      if (spare) return Buffer.from(spare);
      if (this.allocated < BATCHES_IN_FLIGHT) {
        this.allocated++;
        // Its own ArrayBuffer (not a slice of Buffer's shared pool), so it can be transferred.
        return Buffer.from(new ArrayBuffer(BATCH_BYTES));
      }
      await new Promise<void>((resolve) => (this.waitingForBuffer = resolve));
    }
  }

  private wake(): void {
    const wake = this.waitingForBuffer;
    this.waitingForBuffer = undefined;
    wake?.();
  }
}

interface HashJob {
  update(buffer: ArrayBuffer, length: number): void;
  digest(): Promise<string>;
  drop(): void;
}

interface JobListener {
  /** A batch was hashed: its buffer is back, for reuse. */
  onFree(buffer: ArrayBuffer): void;
  /** The hashing thread died; this hash is lost. */
  onFail(error: Error): void;
}

type WorkerMessage = { type: "free"; id: number; buffer: ArrayBuffer } | { type: "digest"; id: number; hex: string };

// Plain CommonJS evaluated in the worker: no loader or bundler needed for a dozen lines.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hashes = new Map();
parentPort.on("message", (m) => {
  if (m.type === "update") {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, (hash = createHash("md5")));
    hash.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ type: "free", id: m.id, buffer: m.buffer }, [m.buffer]);
  } else if (m.type === "digest") {
    const hash = hashes.get(m.id) ?? createHash("md5");
    hashes.delete(m.id);
    parentPort.postMessage({ type: "digest", id: m.id, hex: hash.digest("hex") });
  } else if (m.type === "drop") {
    hashes.delete(m.id);
  }
});`;

/** One hashing thread per process, started on first use, holding the process open only while it has work. */
class Hasher {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly jobs = new Map<number, JobListener & { digested?: { resolve(hex: string): void; reject(error: Error): void } }>();

  start(listener: JobListener): HashJob {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    this.jobs.set(id, { ...listener });
    worker.ref();
    const finish = () => {
      this.jobs.delete(id);
      if (this.jobs.size === 0) this.worker?.unref();
    };
    return {
      update: (buffer, length) => worker.postMessage({ type: "update", id, buffer, length }, [buffer]),
      digest: () =>
        new Promise<string>((resolve, reject) => {
          const job = this.jobs.get(id);
          if (!job) return reject(new Error("md5 worker stopped"));
          job.digested = {
            resolve: (hex) => {
              finish();
              resolve(hex);
            },
            reject,
          };
          worker.postMessage({ type: "digest", id });
        }),
      drop: () => {
        if (!this.jobs.has(id)) return;
        finish();
        worker.postMessage({ type: "drop", id });
      },
    };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // No execArgv: the few lines above need no loader (tsx, test runners) that the parent was started with.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    worker.on("message", (message: WorkerMessage) => {
      const job = this.jobs.get(message.id);
      if (!job) return;
      if (message.type === "free") job.onFree(message.buffer);
      else job.digested?.resolve(message.hex);
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const jobs = [...this.jobs.values()];
      this.jobs.clear();
      // Uploads waiting on this thread fail (and leave nothing); the next upload starts a new thread.
      for (const job of jobs) {
        job.onFail(error);
        job.digested?.reject(error);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`md5 worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

let hasher: Hasher | undefined;
function sharedHasher(): Hasher {
  return (hasher ??= new Hasher());
}
