import { runLoad, type LoadResult } from "./http-load";
import type { BenchResult } from "./report";
import { startRuntime } from "./runtime-process";
import { summarize } from "./stats";
import { makeUsers } from "./users";

/**
 * Issue 13: one user presigning far ahead, as a phone backing up its camera roll does.
 *
 * Presigning must not slow down as a user's pending uploads pile up (each presign writes the file record,
 * a pending marker and a constant-size usage item in one transaction: nothing that grows), and must answer
 * 201 to every request until the quota, then refuse with QuotaExceeded. One user, one token, in order:
 *   1. `probe` presigns one at a time: the service time with no upload pending;
 *   2. `ahead` presigns at 32 in flight, all left pending (never uploaded);
 *   3. `probe` presigns one at a time again, now with `ahead` + `probe` uploads pending;
 *   4. `over` more: the quota is exactly what 1–3 reserve, so each of these must be refused with 413.
 */
const WARM_UP = 100;

export async function run(options: { ahead?: number; probe?: number; concurrency?: number; parentDir?: string } = {}): Promise<BenchResult> {
  const ahead = options.ahead ?? 5_000;
  const probe = options.probe ?? 300;
  const concurrency = options.concurrency ?? 32;
  const over = 20;
  const size = 1024 * 1024;
  const quotaBytes = (ahead + 2 * probe) * size;
  const runtime = await startRuntime({ QUOTA_BYTES: String(quotaBytes), MAX_FILE_BYTES: String(size) }, { parentDir: options.parentDir });
  try {
    const [user] = await makeUsers(runtime.url, 1, `ahead-${Date.now()}`);
    const make = (i: number) => ({
      method: "POST",
      path: "/upload",
      headers: { authorization: `Bearer ${user!.token}`, "content-type": "application/json" },
      body: JSON.stringify({ fileName: `camera-roll-${i}.jpg`, contentType: "image/jpeg", size }),
    });
    let offset = 0;
    const phase = async (count: number, inFlight: number): Promise<LoadResult> => {
      const start = offset;
      const result = await runLoad({ baseUrl: runtime.url, concurrency: inFlight, maxRequests: count, maxDurationMs: 600_000, make: (i) => make(start + i) });
      offset += count;
      return result;
    };

    // Presigns first that are not measured, so the handlers are loaded, compiled by V8 and the verifier's
    // keys cached: the first measured phase must not pay for what the second no longer does.
    const warm = await phase(WARM_UP, 1);
    const empty = await phase(probe - WARM_UP, 1);
    const bulk = await phase(ahead, concurrency);
    const full = await phase(probe, 1);
    const refused = await phase(over, 1);

    const created = (r: LoadResult) => r.statuses[201] ?? 0;
    const others = (r: LoadResult, status: number) => r.latencies.length + r.errors - (r.statuses[status] ?? 0);
    const p50Empty = summarize(empty.latencies).p50;
    const p50Full = summarize(full.latencies).p50;
    const bulkSummary = summarize(bulk.latencies);
    const pendingAtProbe = created(warm) + created(empty) + created(bulk);
    return {
      name: "pending",
      figures: [
        { label: "presign p50, no upload pending", value: p50Empty, unit: "ms" },
        { label: `presign p50, ${pendingAtProbe.toLocaleString("en")} pending`, value: p50Full, unit: "ms" },
        // Within 10% either way: the magnitude is what the target bounds.
        { label: "  change", value: (100 * Math.abs(p50Full - p50Empty)) / p50Empty, unit: "%", target: { op: "<", value: 10, text: "within 10%" }, digits: 1 },
        { label: `presigns ahead at ${concurrency} in flight`, value: bulk.latencies.length / (bulk.elapsedMs / 1000), unit: "req/s", digits: 0 },
        { label: "  answers other than 201 before the quota", value: others(bulk, 201) + others(full, 201) + others(empty, 201), unit: "", target: { op: "<", value: 1, text: "0" }, digits: 0 },
        { label: "  answers other than 413 past the quota", value: others(refused, 413), unit: "", target: { op: "<", value: 1, text: "0" }, digits: 0 },
      ],
      notes: [
        `one user: ${created(warm) + created(empty) + created(bulk) + created(full)} presigns answered 201 (quota ${quotaBytes / size} × 1 MiB), then ${refused.statuses[413] ?? 0} of ${over} refused 413 QuotaExceeded.`,
        `${ahead} ahead at ${concurrency} in flight: p50 ${bulkSummary.p50.toFixed(1)} ms, p99 ${bulkSummary.p99.toFixed(1)} ms, max ${bulkSummary.max.toFixed(1)} ms; every request is the same user's, so each transaction meets the others on one usage item (DynamoDB's TransactionConflict, retried with jitter by the repository).`,
        `p50s one request at a time (${probe - WARM_UP} after ${WARM_UP} unmeasured, and ${probe}), so they measure the presign, not queueing.`,
        ...(p50Full < p50Empty * 0.9
          ? [`the probe with pending uploads was the faster: it runs after ${ahead} more presigns than the empty one, on code V8 has optimised further and a warmer table, so the change says more about warm-up than about pending uploads; the target reads "within 10%" either way.`]
          : []),
      ],
    };
  } finally {
    await runtime.stop();
  }
}
