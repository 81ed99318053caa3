import { Agent, request } from "node:http";
import { nowMs } from "./stats";

/**
 * A small closed-loop load generator: `concurrency` workers, each sending its next request as soon as
 * the previous one answered, over keep-alive connections (one per worker), until `maxRequests` were
 * sent or `maxDurationMs` passed, whichever comes first. Plain node:http, no dependency.
 */
export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Latency of each answered request, ms. */
  latencies: number[];
  statuses: Record<number, number>;
  /** Network errors (no status). */
  errors: number;
  elapsedMs: number;
  firstError?: string;
}

// The runtime's trace (trace-preload.cjs) stamps with CLOCK_MONOTONIC, which every process on the machine shares.
const monotonicOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();

export async function runLoad(options: {
  baseUrl: string;
  concurrency: number;
  maxRequests: number;
  maxDurationMs: number;
  make: (index: number, worker: number) => LoadRequest;
  /** Called with each answer's status and body (e.g. to count refusals); optional. */
  onResponse?: (status: number, body: string, index: number) => void;
  /**
   * A keep-alive agent whose connections outlive this run, opened by an earlier one (the caller destroys it);
   * by default a new agent, destroyed at the end. A measured run over new connections measures their set-up
   * too: a busy Node server (the gateway) accepts one new connection per turn of its event loop (libuv since
   * 1.45, libuv/libuv#3696), so 64 connections opened at once against a loaded server wait up to seconds.
   */
  agent?: Agent;
  /** Called with each answered request's start (CLOCK_MONOTONIC ms, comparable across processes) and latency; optional (tracing). */
  onTiming?: (index: number, startMs: number, latencyMs: number) => void;
}): Promise<LoadResult> {
  const base = new URL(options.baseUrl);
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const result: LoadResult = { latencies: [], statuses: {}, errors: 0, elapsedMs: 0 };
  let next = 0;
  const started = nowMs();
  const deadline = started + options.maxDurationMs;

  const one = (req: LoadRequest) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
      const r = request({ host: base.hostname, port: base.port, path: req.path, method: req.method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      });
      r.on("error", reject);
      r.end(req.body);
    });

  const worker = async (w: number) => {
    while (next < options.maxRequests && nowMs() < deadline) {
      const index = next++;
      const req = options.make(index, w);
      const t0 = nowMs();
      try {
        const res = await one(req);
        const latency = nowMs() - t0;
        result.latencies.push(latency);
        options.onTiming?.(index, monotonicOffset + t0, latency);
        result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
        options.onResponse?.(res.status, res.body, index);
      } catch (error) {
        result.errors += 1;
        result.firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  result.elapsedMs = nowMs() - started;
  if (!options.agent) agent.destroy();
  return result;
}
