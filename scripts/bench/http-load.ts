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

export async function runLoad(options: {
  baseUrl: string;
  concurrency: number;
  maxRequests: number;
  maxDurationMs: number;
  make: (index: number, worker: number) => LoadRequest;
  /** Called with each answer's status and body (e.g. to count refusals); optional. */
  onResponse?: (status: number, body: string, index: number) => void;
}): Promise<LoadResult> {
  const base = new URL(options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
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
        result.latencies.push(nowMs() - t0);
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
  agent.destroy();
  return result;
}
