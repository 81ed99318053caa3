import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Plugin } from "esbuild";
import type { FunctionProps } from "sst/constructs";
import { rootsIn, TARGET_KB, type Family } from "../../stacks/bundle-budgets";
import type { BenchResult, Figure } from "./report";

/**
 * `npm run bench -- --only bundles`: each function's bundle as deployed, side by side with the same
 * handler bundled as before issue 20: one file (no code splitting, no dedupe of the AWS SDK) and every
 * AWS client (the handler plus services.ts, the aggregate of every root, as each handler imported it).
 * For each: minified bytes loaded at cold start, and the time a fresh `node` takes to import the bundle
 * (median of several runs, each its own process). Bundles are written under a temporary folder inside
 * the repository, so that what a bundle leaves external (sharp) resolves as in its Lambda package.
 */
const exec = promisify(execFile);
const RUNS = 5;

interface Measured {
  module: string;
  family: Family;
  before: { bytes: number; importMs: number };
  after: { bytes: number; importMs: number };
}

export async function run(): Promise<BenchResult> {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
  const { bundleFunction, functionsOfStacks } = await import("../../stacks/bundles");
  const { REPO_ROOT } = await import("../../stacks/synth");
  const functions = await functionsOfStacks();
  const dir = await fs.mkdtemp(path.join(REPO_ROOT, "node_modules", ".bench-bundles-"));
  try {
    const measured: Measured[] = [];
    for (const props of functions) {
      const after = await bundleFunction(props, REPO_ROOT, { dir: path.join(dir, "after") });
      const before = await bundleFunction(beforeIssue20(props, REPO_ROOT), REPO_ROOT, { dir: path.join(dir, "before") });
      const inputs = new Set(Object.values(after.metafile.outputs).flatMap((o) => Object.keys(o.inputs)));
      measured.push({
        module: after.module,
        family: rootsIn(inputs)[0] ?? "none",
        before: { bytes: before.bytes, importMs: await importMs(before.outfile!) },
        after: { bytes: after.bytes, importMs: await importMs(after.outfile!) },
      });
      process.stderr.write(`  ${after.module}: ${kb(before.bytes)} → ${kb(after.bytes)}\n`);
    }
    return report(measured);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The handler as it was bundled before: with the aggregate of every client, in one file. */
function beforeIssue20(props: Pick<FunctionProps, "handler" | "nodejs">, root: string): Pick<FunctionProps, "handler" | "nodejs"> {
  const { plugins: _plugins, ...esbuild } = props.nodejs?.esbuild ?? {};
  const src = path.join(root, "packages/functions/src");
  const handlerModule = `./${path.relative(src, path.join(root, props.handler!.replace(/\.handler$/, "")))}`;
  return {
    handler: props.handler,
    nodejs: {
      ...props.nodejs,
      splitting: false,
      esbuild: {
        ...esbuild,
        // SST's default then (stacks/lambda.ts now turns it off).
        keepNames: true,
        plugins: [importedStatically(root)],
        // The handler's module, and services() kept alive: every client it builds comes along, as it did.
        entryPoints: undefined,
        stdin: {
          contents: `export { handler } from ${JSON.stringify(handlerModule)};\nexport { services as __everyClient } from "./services";\n`,
          resolveDir: src,
          sourcefile: `before-issue-20-${path.basename(handlerModule)}.ts`,
          loader: "ts",
        },
      },
    },
  };
}

/**
 * Modules that functions load with `import()` since session 9 (the media describers and previewer, the
 * media events' SNS client, the bucket's S3 client for the account routes), imported statically again
 * in the "before" bundle, as they were then. Left as `import()` in a bundle without code splitting,
 * esbuild wraps each in a lazy initialiser and can no longer leave out what they do not use: the
 * "before" bundles grew by about 140 KB (api/signup 1,045 → 1,185 KB), which made them slower to import
 * and the comparison flattering.
 */
const LOADED_ON_DEMAND_SINCE_SESSION_9 = ["./image", "./audio", "../renditions/image-previewer", "./media-events-sns", "./s3-storage"];

function importedStatically(root: string): Plugin {
  const ours = path.join(root, "packages/functions/src");
  return {
    name: "imported-statically-as-before",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
        if (!file.startsWith(ours)) return undefined;
        let source = await fs.readFile(file, "utf8");
        const imports: string[] = [];
        for (const [i, specifier] of LOADED_ON_DEMAND_SINCE_SESSION_9.entries()) {
          const call = `import(${JSON.stringify(specifier)})`;
          if (!source.includes(call)) continue;
          source = source.replaceAll(call, `Promise.resolve(__static${i})`);
          imports.push(`import * as __static${i} from ${JSON.stringify(specifier)};`);
        }
        return imports.length ? { contents: `${imports.join("\n")}\n${source}`, loader: "ts" } : undefined;
      });
    },
  };
}

async function importMs(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await exec(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      cwd: os.tmpdir(),
    });
    times.push(Number(stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const kb = (n: number) => `${Math.round(n / 1024)} KB`;

function report(measured: Measured[]): BenchResult {
  const figures: Figure[] = [];
  const families = [...new Set(measured.map((m) => m.family))];
  for (const family of families) {
    const of = measured.filter((m) => m.family === family);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const bytesBefore = median(of.map((m) => m.before.bytes));
    const bytesAfter = median(of.map((m) => m.after.bytes));
    const msBefore = median(of.map((m) => m.before.importMs));
    const msAfter = median(of.map((m) => m.after.importMs));
    const name = `${family} (${of.length} function${of.length > 1 ? "s" : ""})`;
    figures.push({ label: `${name}: KB at cold start, before`, value: bytesBefore / 1024, unit: "KB", digits: 0 });
    const budget = TARGET_KB[family];
    figures.push({
      label: `${name}: KB at cold start, now`,
      value: bytesAfter / 1024,
      unit: "KB",
      digits: 0,
      ...(budget ? { target: { op: "<" as const, value: budget + 0.5, text: `≤ ${budget} KB` } } : {}),
    });
    figures.push({ label: `${name}: import ms, before`, value: msBefore, unit: "ms", digits: 0 });
    figures.push({
      label: `${name}: import ms, now`,
      value: msAfter,
      unit: "ms",
      digits: 0,
      target: { op: "<", value: msBefore / 2 + 1e-9, text: "≤ half of before" },
    });
  }
  return {
    name: "bundles",
    figures,
    notes: [
      "Per family, the median over its functions. Before: the handler with services.ts (every client) in one file, no dedupe;",
      `now: as stacks/lambda.ts bundles it. Import ms: median of ${RUNS} fresh node processes importing the bundle, on this machine (Lambda's arm64 differs).`,
      ...measured.map((m) => `${m.module}: ${kb(m.before.bytes)} → ${kb(m.after.bytes)}, ${m.before.importMs.toFixed(0)} → ${m.after.importMs.toFixed(0)} ms`),
    ],
  };
}
