import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import esbuild from "esbuild";
import type { FunctionProps } from "sst/constructs";
import { bundleFunction, esbuildOptions, moduleOf, type FunctionBundle } from "./bundles";

/**
 * bundleFunction's in-memory results (sizes and metafile), kept on disk for the tests that read them:
 * stacks/bundles.test.ts (the budgets) and stacks/stacks.test.ts (SST's assets have the same sizes) both
 * read every function's bundle, and building each one twice per run was a minute of esbuild on two cores.
 *
 * An entry is keyed by what decides the build: esbuild's version and options (plugins by name), the
 * bundler's and the dedupe plugin's own source, and package-lock.json (which copies of a package
 * node_modules holds). It is reused only while every input file its metafile lists has the content it
 * had when built, so an edited source, a new import or an upgraded package rebuilds it. No lock: in one
 * run, bundles.test.ts builds them while stacks.test.ts is still synthesizing, and the worst case of two
 * files asking at once is the old cost, one build each.
 */
export const BUNDLE_CACHE_DIR = path.join("node_modules", ".cache", "media-bundles");

/** The files whose code, beyond the options, decides what esbuild makes. */
const BUILD_CODE = ["stacks/bundles.ts", "stacks/dedupe.ts", "stacks/sdk-package-info.ts", "package-lock.json"];

interface Entry {
  bundle: FunctionBundle;
  /** sha1 of every input file (paths relative to the root, as in the metafile). */
  inputs: Record<string, string>;
}

/** Contents hashed once per process: the functions share most of their inputs (the SDK). */
const digests = new Map<string, string | undefined>();
function digestOf(file: string): string | undefined {
  if (!digests.has(file)) {
    try {
      digests.set(file, createHash("sha1").update(readFileSync(file)).digest("hex"));
    } catch {
      digests.set(file, undefined);
    }
  }
  return digests.get(file);
}

function keyOf(props: Pick<FunctionProps, "handler" | "nodejs">, root: string): string {
  const target = path.join(root, ".bundle-check", `${moduleOf(props.handler ?? "")}.mjs`);
  const options = JSON.stringify(esbuildOptions(props, root, target), (_key, value: unknown) =>
    typeof value === "function" ? `function ${value.name}` : value,
  );
  const hash = createHash("sha256").update(esbuild.version).update(options);
  for (const file of BUILD_CODE) hash.update(file).update(digestOf(path.join(root, file)) ?? "missing");
  return hash.digest("hex").slice(0, 32);
}

async function readEntry(file: string, root: string): Promise<FunctionBundle | undefined> {
  let entry: Entry;
  try {
    entry = JSON.parse(await fs.readFile(file, "utf8")) as Entry;
  } catch {
    return undefined;
  }
  for (const [input, digest] of Object.entries(entry.inputs)) if ((digestOf(path.join(root, input)) ?? "missing") !== digest) return undefined;
  return entry.bundle;
}

/** bundleFunction(props, root, false), built once and read from the cache while its inputs are unchanged. */
export async function cachedBundle(props: Pick<FunctionProps, "handler" | "nodejs">, root: string): Promise<FunctionBundle> {
  const dir = path.join(root, BUNDLE_CACHE_DIR);
  await fs.mkdir(dir, { recursive: true });
  const key = keyOf(props, root);
  const file = path.join(dir, `${key}.json`);
  const hit = await readEntry(file, root);
  if (hit) return hit;
  const bundle = await bundleFunction(props, root, false);
  const inputs = Object.fromEntries(Object.keys(bundle.metafile.inputs).map((input) => [input, digestOf(path.join(root, input)) ?? "missing"]));
  // Written whole or not at all: a file that reads another's entry meanwhile sees the old one or none.
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify({ bundle, inputs } satisfies Entry));
  await fs.rename(temporary, file);
  return bundle;
}
