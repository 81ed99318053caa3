import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { percentile } from "./stats";

/**
 * Where a traced presign's time went: `npx tsx scripts/bench/trace-summary.ts DIR` after
 * `npm run bench -- --only presign --trace DIR` (trace-preload.cjs records the runtime's side, presign-rate.ts
 * the load generator's).
 *
 * Each request of the load is joined to the gateway's record of it (by its x-bench-request header), to the
 * SDK calls its handling sent (the authorizer's GetItem, the handler's TransactWriteItems), and through the
 * SDK's invocation id and attempt to each call's service in the DynamoDB thread. Its latency is then cut
 * into stages that add up to it:
 *   before gateway  sent by the load generator, not yet read by the gateway (sockets, the main loop busy)
 *   gateway→call1   the gateway until the authorizer's call (body, event, the authorizer's JWT check)
 *   callN queue     the call sent, not yet read by the DynamoDB thread (its loop busy, the SDK's sockets)
 *   callN service   the DynamoDB thread serving it (SigV4 and IAM check, dynalite, locks, LevelDB)
 *   callN return    the answer sent, not yet back in the handler (the main loop busy)
 *   call1→call2     the authorizer's answer, the handler until its transaction
 *   after last call the handler's answer until the gateway finished it, then back to the load generator
 * For each phase: the mean of each stage over all requests, over the middle (p40–p60) and over the slowest 1%,
 * GC pauses that overlap them, and event-loop delay per thread. `TRACE_SLOWEST=N` also prints the stages of
 * each phase's N slowest requests one by one.
 */
type Entry = Record<string, unknown> & { k: string; t0: number; t1?: number };
const dir = process.argv[2];
if (!dir) throw new Error("usage: trace-summary.ts DIR");

const files = readdirSync(dir).filter((f) => f.endsWith(".ndjson"));
const read = (f: string) =>
  readFileSync(join(dir, f), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
const client = files.includes("client.ndjson") ? read("client.ndjson") : [];
const threads = files.filter((f) => f.startsWith("trace-")).map((f) => ({ name: f, entries: read(f) }));
// The main thread serves the gateway (requests named by the load generator); the DynamoDB thread serves SDK calls.
const main = threads.find((t) => t.entries.some((e) => e.k === "srv" && e.bench !== undefined));
const dynamo = threads.find((t) => t !== main && t.entries.some((e) => e.k === "srv" && String(e.target).startsWith("DynamoDB_")));
if (!main || !dynamo) throw new Error(`no traced gateway or DynamoDB thread in ${dir}`);

const gatewayByBench = new Map(main.entries.filter((e) => e.k === "srv" && e.bench !== undefined).map((e) => [String(e.bench), e]));
const callsByParent = new Map<string, Entry[]>();
for (const e of main.entries.filter((e) => e.k === "cli" && e.parent !== undefined)) {
  const list = callsByParent.get(String(e.parent)) ?? [];
  list.push(e);
  callsByParent.set(String(e.parent), list);
}
const served = new Map(dynamo.entries.filter((e) => e.k === "srv" && e.inv !== undefined).map((e) => [`${e.inv}#${e.attempt}`, e]));
// A transaction's steps in the DynamoDB thread (transact-write.ts), by the request that ran it.
const txSteps = new Map<string, Record<string, number>>();
for (const e of dynamo.entries.filter((e) => e.k === "tx" && e.id !== undefined)) {
  const steps = txSteps.get(String(e.id)) ?? {};
  steps[String(e.step)] = e.t as number;
  txSteps.set(String(e.id), steps);
}
const gcOf = (entries: Entry[]) => entries.filter((e) => e.k === "gc").map((e) => ({ t0: e.t0, t1: e.t0 + (e.ms as number), ms: e.ms as number }));
const mainGc = gcOf(main.entries);
const dynamoGc = gcOf(dynamo.entries);
const overlap = (gcs: { t0: number; t1: number }[], a: number, b: number) => gcs.reduce((sum, g) => sum + Math.max(0, Math.min(b, g.t1) - Math.max(a, g.t0)), 0);

interface Traced {
  phase: string;
  ms: number;
  stages: Record<string, number>;
  attempts: number;
  calls: number;
  gcMain: number;
  gcDynamo: number;
}
const traced: Traced[] = [];
let unmatched = 0;
for (const c of client) {
  const g = gatewayByBench.get(String(c.id));
  const end = c.t0 + (c.ms as number);
  if (!g || g.t1 === undefined) {
    unmatched++;
    continue;
  }
  const calls = (callsByParent.get(String(g.id)) ?? []).sort((a, b) => a.t0 - b.t0);
  // A request that is its connection's first waited partly for the connection to be accepted.
  const stages: Record<string, number> =
    g.nth === 1 && typeof g.accepted === "number" ? { "before accept": g.accepted - c.t0, "accept→gateway": g.t0 - g.accepted } : { "before gateway": g.t0 - c.t0 };
  let cursor = g.t0;
  let gcDynamo = 0;
  calls.forEach((call, i) => {
    const name = `${String(call.target ?? "?").replace("DynamoDB_20120810.", "")}${calls.length > 2 ? `#${i + 1}` : ""}`;
    stages[i === 0 ? "gateway→call1" : `→${name}`] = (stages[i === 0 ? "gateway→call1" : `→${name}`] ?? 0) + (call.t0 - cursor);
    const s = served.get(`${call.inv}#${call.attempt}`);
    if (s && s.t1 !== undefined) {
      stages[`${name} queue`] = s.t0 - call.t0;
      const tx = txSteps.get(String(s.id));
      if (tx?.resolved !== undefined && tx.written !== undefined) {
        // The service cut by the transaction's steps: checks and validation, waiting for its items' locks,
        // evaluating its conditions, the LevelDB batch (synced), and the answer.
        stages[`${name} service: to resolved`] = tx.resolved - s.t0;
        stages[`${name} service: lock wait`] = tx.locked! - tx.resolved;
        stages[`${name} service: evaluate`] = tx.evaluated! - tx.locked!;
        stages[`${name} service: batch+sync`] = tx.written - tx.evaluated!;
        stages[`${name} service: answer`] = s.t1 - tx.written;
      } else stages[`${name} service`] = s.t1 - s.t0;
      stages[`${name} return`] = call.t1! - s.t1;
      gcDynamo += overlap(dynamoGc, s.t0, s.t1);
    } else stages[`${name} (unmatched)`] = call.t1! - call.t0;
    cursor = call.t1!;
  });
  stages["after last call"] = end - cursor;
  traced.push({
    phase: String(c.phase),
    ms: c.ms as number,
    stages,
    attempts: calls.reduce((n, call) => Math.max(n, (call.attempt as number | undefined) ?? 1), 0),
    calls: calls.length,
    gcMain: overlap(mainGc, g.t0, g.t1),
    gcDynamo,
  });
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const f = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(2));
for (const phase of [...new Set(traced.map((t) => t.phase))]) {
  const rows = traced.filter((t) => t.phase === phase).sort((a, b) => a.ms - b.ms);
  const n = rows.length;
  const groups = {
    all: rows,
    "p40–p60": rows.slice(Math.floor(n * 0.4), Math.ceil(n * 0.6)),
    "slowest 1%": rows.slice(Math.floor(n * 0.99)),
  };
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.stages)))];
  process.stdout.write(`\n${phase}: ${n} requests, p50 ${f(percentile(rows.map((r) => r.ms), 50))} ms, p99 ${f(percentile(rows.map((r) => r.ms), 99))} ms, max ${f(rows[n - 1]?.ms ?? Number.NaN)} ms\n`);
  process.stdout.write(`${"stage (mean ms)".padEnd(30)}${Object.keys(groups).map((g) => g.padStart(12)).join("")}\n`);
  for (const name of names) process.stdout.write(`${name.padEnd(30)}${Object.values(groups).map((g) => f(mean(g.map((r) => r.stages[name] ?? 0))).padStart(12)).join("")}\n`);
  if (process.env.TRACE_SLOWEST) {
    for (const r of rows.slice(-Number(process.env.TRACE_SLOWEST)).reverse())
      process.stdout.write(`  ${f(r.ms)} ms: ${Object.entries(r.stages).map(([k, v]) => `${k} ${f(v)}`).join(", ")}\n`);
  }
  for (const [label, pick] of [
    ["latency", (r: Traced) => r.ms],
    ["main GC inside", (r: Traced) => r.gcMain],
    ["DynamoDB GC inside", (r: Traced) => r.gcDynamo],
    ["SDK calls", (r: Traced) => r.calls],
    ["max attempt", (r: Traced) => r.attempts],
  ] as const)
    process.stdout.write(`${label.padEnd(30)}${Object.values(groups).map((g) => f(mean(g.map(pick))).padStart(12)).join("")}\n`);
}
if (unmatched) process.stdout.write(`\n${unmatched} load-generator requests without a gateway record\n`);

// How much each thread ran and waited for a core (the kernel's run queue) during each phase.
const phases = [...new Set(client.map((c) => String(c.phase)))].map((phase) => {
  const rows = client.filter((c) => c.phase === phase);
  return { phase, from: Math.min(...rows.map((c) => c.t0)), to: Math.max(...rows.map((c) => c.t0 + (c.ms as number))) };
});
for (const { phase, from, to } of phases) {
  const parts = threads.map((t) => {
    const samples = t.entries.filter((e) => e.k === "eld" && e.cpu && (e.t as number) >= from && (e.t as number) <= to + 1000) as (Entry & { cpu: { run: number; wait: number } })[];
    if (samples.length < 2) return undefined;
    const [a, b] = [samples[0]!, samples[samples.length - 1]!];
    const span = (b.t as number) - (a.t as number);
    const label = t === main ? "main" : t === dynamo ? "DynamoDB" : t.name;
    return `${label} ran ${f(((b.cpu.run - a.cpu.run) / span) * 100)}% and waited for a core ${f(((b.cpu.wait - a.cpu.wait) / span) * 100)}% of the time`;
  });
  process.stdout.write(`\n${phase} (${f((to - from) / 1000)} s): ${parts.filter(Boolean).join("; ")}`);
}
process.stdout.write("\n");

for (const [name, t] of [
  ["main", main],
  ["DynamoDB", dynamo],
] as const) {
  const gcs = gcOf(t.entries);
  const eld = t.entries.filter((e) => e.k === "eld" && (e.n as number) > 0);
  const gcMs = gcs.map((g) => g.ms);
  process.stdout.write(
    `\n${name} thread: ${gcs.length} GC pauses, total ${f(gcMs.reduce((a, b) => a + b, 0))} ms, p99 ${f(percentile(gcMs, 99))} ms, max ${f(Math.max(0, ...gcMs))} ms; ` +
      `event-loop delay per second: p99 median ${f(percentile(eld.map((e) => e.p99 as number), 50))} ms, worst ${f(Math.max(0, ...eld.map((e) => e.p99 as number)))} ms, max ${f(Math.max(0, ...eld.map((e) => e.max as number)))} ms\n`,
  );
}
