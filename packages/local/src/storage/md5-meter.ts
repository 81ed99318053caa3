import { Worker } from "node:worker_threads";

/**
 * The MD5 thread: uploads' ETags are hashed here, off the event loop (object-file-sink.ts feeds it).
 *
 * MD5 is the single largest CPU cost of an upload (about as much as parsing, copying and writing
 * together: ~1.3 s of CPU per GiB on this kind of machine), and it is inherently sequential. Run inline
 * it would sit on the event loop, in series with everything else; on its own thread it runs in parallel
 * with the parsing and the disk writes. Batches arrive with their memory transferred (not cloned) and
 * are handed back once hashed, in the order they came.
 */

export interface HashJob {
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
export function sharedHasher(): Hasher {
  return (hasher ??= new Hasher());
}
