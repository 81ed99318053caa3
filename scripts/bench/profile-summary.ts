import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";

/**
 * Where a V8 CPU profile's time went: self time summed by module (a package, a node: module, a source
 * file of ours) and by function, busiest first; with `--inclusive`, the time of every sample whose stack
 * holds a frame matching each pattern (a sample counts once per pattern).
 *
 *   npm run bench -- --only presign --cpu-prof prof       one .cpuprofile per runtime thread
 *   npx tsx scripts/bench/profile-summary.ts prof/*.cpuprofile --top 30
 *   npx tsx scripts/bench/profile-summary.ts prof/X.cpuprofile --inclusive 'sigv4' --inclusive 'client-tokens'
 *   npx tsx scripts/bench/profile-summary.ts prof/X.cpuprofile --callers '^writev$' --depth 12
 *
 * `--callers REGEX`: the self time of the frames matching it, by the chain of `--depth` frames above them
 * (which code path a native call like `writev` or `_batch` is paid on). `--inclusive` counts everything
 * under a matching frame, callbacks it calls included: a wrapper that hands a value to its callback
 * (a cache, a lock) is charged the callback's work.
 *
 * The profiler samples on a timer: on a machine busier than its cores, a thread descheduled in the middle
 * of a function is charged to it, so read shares, not milliseconds, and compare with /proc's CPU figures.
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "25" },
    inclusive: { type: "string", multiple: true, default: [] },
    callers: { type: "string", multiple: true, default: [] },
    depth: { type: "string", default: "6" },
  },
});
const top = Number(values.top);
if (!Number.isInteger(top) || top <= 0) throw new Error(`--top expects a positive integer, got ${values.top}`);
const depth = Number(values.depth);
if (!Number.isInteger(depth) || depth <= 0) throw new Error(`--depth expects a positive integer, got ${values.depth}`);
if (positionals.length === 0) {
  process.stderr.write("usage: profile-summary.ts FILE.cpuprofile… [--top N] [--inclusive REGEX]… [--callers REGEX [--depth N]]…\n");
  process.exit(2);
}

/** node_modules/<package>/…, node:<module>, our packages/<name>/src/…, or a native frame's name. */
function moduleOf(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "");
  // The innermost package: a dependency nested in another's node_modules is its own.
  const inModules = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  const ours = /\/(packages\/.+|scripts\/.+)$/.exec(url);
  if (ours) return ours[1]!;
  return url || frame.functionName;
}

function short(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "").replace(/.*node_modules\//, "").replace(/.*\/(packages|scripts)\//, "$1/");
  return `${frame.functionName || "(anonymous)"}${url ? ` ${url}:${frame.lineNumber + 1}` : ""}`;
}

function table(title: string, totals: Map<string, number>, busy: number): string {
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`  ${title}`, ...rows.map(([key, us]) => `${(us / 1000).toFixed(0).padStart(9)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`)].join("\n");
}

for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const patterns = values.inclusive.map((p) => new RegExp(p));
  const inclusive = patterns.map(() => 0);
  const callerPatterns = values.callers.map((p) => new RegExp(p));
  const callers = callerPatterns.map(() => new Map<string, number>());
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    busy += us;
    byModule.set(moduleOf(frame), (byModule.get(moduleOf(frame)) ?? 0) + us);
    byFunction.set(short(frame), (byFunction.get(short(frame)) ?? 0) + us);
    if (patterns.length === 0 && callerPatterns.length === 0) continue;
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(short(nodes.get(at)!.callFrame));
    patterns.forEach((re, k) => {
      if (stack.some((s) => re.test(s))) inclusive[k]! += us;
    });
    callerPatterns.forEach((re, k) => {
      if (!re.test(stack[0]!)) return;
      const chain = stack.slice(0, depth).join(" < ");
      callers[k]!.set(chain, (callers[k]!.get(chain) ?? 0) + us);
    });
  }
  const lines = [`${basename(file)}: ${(busy / 1000).toFixed(0)} ms busy`, table("self time by module", byModule, busy), table("self time by function", byFunction, busy)];
  if (patterns.length) lines.push(["  inclusive", ...patterns.map((re, k) => `${(inclusive[k]! / 1000).toFixed(0).padStart(9)} ms ${((100 * inclusive[k]!) / busy).toFixed(1).padStart(5)}%  /${re.source}/`)].join("\n"));
  callerPatterns.forEach((re, k) => lines.push(table(`self time of /${re.source}/ by its ${depth} innermost frames`, callers[k]!, busy)));
  process.stdout.write(`${lines.join("\n")}\n\n`);
}
