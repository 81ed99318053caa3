import { Agent } from "node:http";
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
 * 201 to every request until the quota, then refuse with QuotaExceeded. One user presigns, in order:
 *   1. `probe` presigns one at a time (unmeasured: they load and optimise the code);
 *   2. `ahead` presigns at 32 in flight, all left pending (never uploaded);
 *   3. `probe` presigns one at a time, in rounds that alternate with a second user's who has none
 *      pending: the two p50s compared are taken side by side on equally warm code and table, so their
 *      difference is the pending uploads' and not warm-up's (measured one after the other, the later
 *      probe came out faster whatever it had pending);
 *   4. `over` more: the quota is exactly what 1–3 reserve, so each of these must be refused with 413.
 */
/** Presigns per round of step 3, each user in turn. */
const ROUND = 10;

export async function run(options: { ahead?: number; probe?: number; concurrency?: number; parentDir?: string } = {}): Promise<BenchResult> {
  const ahead = options.ahead ?? 5_000;
  const probe = options.probe ?? 300;
  const concurrency = options.concurrency ?? 32;
  const over = 20;
  const size = 1024 * 1024;
  const quotaBytes = (ahead + 2 * probe) * size;
  const runtime = await startRuntime({ QUOTA_BYTES: String(quotaBytes), MAX_FILE_BYTES: String(size) }, { parentDir: options.parentDir });
  // Every phase over the same keep-alive connections (as the presign bench's): the rounds of ten would
  // otherwise each open one, and the bulk phase 32 at once against a busy server (http-load.ts).
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const [user, fresh] = await makeUsers(runtime.url, 2, `ahead-${Date.now()}`);
    const offsets = new Map<string, number>();
    const phase = async (who: { token: string }, count: number, inFlight: number): Promise<LoadResult> => {
      const start = offsets.get(who.token) ?? 0;
      offsets.set(who.token, start + count);
      return runLoad({
        baseUrl: runtime.url,
        concurrency: inFlight,
        maxRequests: count,
        maxDurationMs: 600_000,
        agent,
        make: (i) => ({
          method: "POST",
          path: "/upload",
          headers: { authorization: `Bearer ${who.token}`, "content-type": "application/json" },
          body: JSON.stringify({ fileName: `camera-roll-${start + i}.jpg`, contentType: "image/jpeg", size }),
        }),
      });
    };
    const merged = (results: LoadResult[]): LoadResult => ({
      latencies: results.flatMap((r) => r.latencies),
      statuses: results.reduce<Record<number, number>>((all, r) => {
        for (const [status, n] of Object.entries(r.statuses)) all[Number(status)] = (all[Number(status)] ?? 0) + n;
        return all;
      }, {}),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      elapsedMs: results.reduce((sum, r) => sum + r.elapsedMs, 0),
    });

    const warm = await phase(user!, probe, 1);
    const bulk = await phase(user!, ahead, concurrency);
    const emptyRounds: LoadResult[] = [];
    const fullRounds: LoadResult[] = [];
    for (let done = 0; done < probe; done += ROUND) {
      emptyRounds.push(await phase(fresh!, Math.min(ROUND, probe - done), 1));
      fullRounds.push(await phase(user!, Math.min(ROUND, probe - done), 1));
    }
    const empty = merged(emptyRounds);
    const full = merged(fullRounds);
    const refused = await phase(user!, over, 1);

    const created = (r: LoadResult) => r.statuses[201] ?? 0;
    const others = (r: LoadResult, status: number) => r.latencies.length + r.errors - (r.statuses[status] ?? 0);
    const p50Empty = summarize(empty.latencies).p50;
    const p50Full = summarize(full.latencies).p50;
    const bulkSummary = summarize(bulk.latencies);
    const pendingAtProbe = created(warm) + created(bulk);
    return {
      name: "pending",
      figures: [
        { label: "presign p50, no upload pending", value: p50Empty, unit: "ms" },
        { label: `presign p50, ${pendingAtProbe.toLocaleString("en")}+ pending`, value: p50Full, unit: "ms" },
        // Within 10% either way: the magnitude is what the target bounds.
        { label: "  change", value: (100 * Math.abs(p50Full - p50Empty)) / p50Empty, unit: "%", target: { op: "<", value: 10, text: "within 10%" }, digits: 1 },
        { label: `presigns ahead at ${concurrency} in flight`, value: bulk.latencies.length / (bulk.elapsedMs / 1000), unit: "req/s", digits: 0 },
        { label: "  answers other than 201 before the quota", value: others(bulk, 201) + others(full, 201) + others(empty, 201), unit: "", target: { op: "<", value: 1, text: "0" }, digits: 0 },
        { label: "  answers other than 413 past the quota", value: others(refused, 413), unit: "", target: { op: "<", value: 1, text: "0" }, digits: 0 },
      ],
      notes: [
        `one user: ${created(warm) + created(bulk) + created(full)} presigns answered 201 (quota ${quotaBytes / size} × 1 MiB), then ${refused.statuses[413] ?? 0} of ${over} refused 413 QuotaExceeded.`,
        `${ahead} ahead at ${concurrency} in flight: p50 ${bulkSummary.p50.toFixed(1)} ms, p99 ${bulkSummary.p99.toFixed(1)} ms, max ${bulkSummary.max.toFixed(1)} ms; every request is the same user's, so each transaction meets the others on one usage item (DynamoDB's TransactionConflict, retried with jitter by the repository).`,
        `p50s one request at a time, ${probe} each, in rounds of ${ROUND} alternating between that user and one with nothing pending (after ${probe} unmeasured), so they measure the presign, not queueing or warm-up.`,
      ],
    };
  } finally {
    agent.destroy();
    await runtime.stop();
  }
}
