import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { normalizeExternal, renderReport, type BenchResult } from "./report";
import { cleanUpAll } from "./cleanup";

/**
 * `npm run bench`: every benchmark in one run, the figures side by side with their targets.
 *
 *   npm run bench                              all of them (1 GiB file, 10,000 files, 6,000 presigns)
 *   npm run bench -- --only presign,retrieve   some of them (storage, multipart, presign, pending, retrieve, bundles, renditions, pipeline)
 *   npm run bench -- retrieve                  the same, named without --only
 *   npm run bench -- --size-mib 256 --files 2000 --presigns 2000    a quicker run
 *   npm run bench -- --strict                  exit 1 when a target is missed (by default a miss is reported, not failed)
 *   npm run bench -- --json out.json           also write the results as JSON
 *   npm run bench -- --dir /some/disk          where the temporary data goes (default: the OS temp dir)
 *   npm run bench -- --only presign --cpu-prof prof    each runtime process writes a V8 CPU profile into prof/
 *   npm run bench -- --only presign --trace trace      each request's path through the runtime, GC pauses and event-loop
 *                                                      delay per thread, into trace/ (then: npx tsx scripts/bench/trace-summary.ts trace)
 *
 * Everything runs on 127.0.0.1, in temporary directories removed afterwards; each runtime is its own
 * process, stopped by its PID. Benchmarks run one after another, never overlapping.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: "string" },
    strict: { type: "boolean", default: false },
    json: { type: "string" },
    dir: { type: "string" },
    "cpu-prof": { type: "string" },
    trace: { type: "string" },
    "size-mib": { type: "string" },
    files: { type: "string" },
    presigns: { type: "string" },
    concurrency: { type: "string" },
  },
});
const num = (v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${v}`);
  return n;
};
for (const name of ["size-mib", "files", "presigns", "concurrency"] as const) num(values[name]);
const parentDir = values.dir;
if (values["cpu-prof"]) process.env.BENCH_CPU_PROF_DIR = values["cpu-prof"];
if (values.trace) {
  await mkdir(values.trace, { recursive: true });
  // Each run appends to its files, and trace-summary.ts reads every file there as one run.
  if ((await readdir(values.trace)).length > 0) throw new Error(`--trace needs an empty directory; ${values.trace} is not`);
  process.env.BENCH_TRACE_DIR = resolve(values.trace);
}

const pipelineFile = new URL("./pipeline.ts", import.meta.url);
const benchmarks: Record<string, () => Promise<BenchResult>> = {
  storage: async () => (await import("./storage-throughput")).run({ sizeMiB: num(values["size-mib"]), parentDir }),
  multipart: async () => (await import("./multipart-upload")).run({ sizeMiB: num(values["size-mib"]), parentDir }),
  presign: async () => (await import("./presign-rate")).run({ count: num(values.presigns), concurrency: num(values.concurrency), parentDir }),
  pending: async () => (await import("./pending-ahead")).run({ parentDir }),
  retrieve: async () => (await import("./retrieve-latency")).run({ files: num(values.files), parentDir }),
  bundles: async () => (await import("./bundles")).run(),
  renditions: async () => (await import("./renditions")).run({ parentDir }),
  pipeline: async () => {
    // Issue 4's benchmarks (scripts/bench/pipeline.ts, its own module): included when present. It runs
    // in this process, so it goes last; the 1 GiB file size follows --size-mib here too.
    const mod = (await import(pipelineFile.href)) as { run: (options?: Record<string, unknown>) => Promise<unknown> };
    const sizeMiB = num(values["size-mib"]);
    return normalizeExternal("pipeline", await mod.run({ ...(parentDir ? { parentDir } : {}), ...(sizeMiB ? { wavMiB: sizeMiB } : {}) }));
  },
};
if (!existsSync(pipelineFile)) delete benchmarks.pipeline;

const named = [...(values.only ? values.only.split(",") : []), ...positionals.flatMap((p) => p.split(","))].map((s) => s.trim()).filter(Boolean);
const wanted = named.length > 0 ? named : Object.keys(benchmarks);
for (const name of wanted) if (!benchmarks[name]) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benchmarks).join(", ")}`);
// Always in this order, whatever --only says: pipeline (in-process) last.
const selected = Object.keys(benchmarks).filter((name) => wanted.includes(name));

let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write("\ninterrupted: stopping runtimes and removing temporary data…\n");
  void cleanUpAll().finally(() => process.exit(130));
});

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const header = `${cpus().length} CPUs, node ${process.version}, load average ${load()} at start`;
process.stderr.write(`${header}\n`);
const results: BenchResult[] = [];
for (const name of selected) {
  process.stderr.write(`running ${name}…\n`);
  const started = Date.now();
  try {
    results.push(await benchmarks[name]!());
  } catch (error) {
    results.push({ name, figures: [], notes: [], error: error instanceof Error ? error.message.slice(0, 2000) : String(error) });
  }
  process.stderr.write(`  ${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s (load average ${load()})\n`);
}

const report = renderReport(results);
const summary = `${report.checked - report.missed} of ${report.checked} targets met${report.missed ? `, ${report.missed} missed` : ""}${report.errors ? `; ${report.errors} benchmark(s) could not run` : ""}.`;
process.stdout.write(`\n${header}; ${load()} at end\n\n${report.text}\n\n${summary}\n`);
if (values.json) await writeFile(values.json, JSON.stringify({ at: new Date().toISOString(), machine: header, results }, null, 2));
// A benchmark that could not run is a fault; a missed target fails the run only with --strict.
process.exit(report.errors > 0 || (values.strict && report.missed > 0) ? 1 : 0);
