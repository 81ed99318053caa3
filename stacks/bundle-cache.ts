import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync, watch } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import esbuild from "esbuild";
import type { FunctionProps } from "sst/constructs";
import { bundleFunction, esbuildOptions, moduleOf, type FunctionBundle } from "./bundles";

/**
 * bundleFunction's in-memory results (sizes, metafile and the output files), kept on disk for the tests
 * that read them: stacks/bundles.test.ts (the budgets, every function) and stacks/stacks.test.ts (SST's
 * assets: its own build for one function of each family, compared with these; this build for the rest).
 * Each function is bundled once per run, even on a clean clone where both files start at once: the first
 * to ask for an entry builds it under a lock file, the other waits for the entry to appear.
 *
 * An entry is keyed by what decides the build: esbuild's version and options (plugins by name), the
 * bundler's and its plugins' own source (dedupe, package info, credentials), and package-lock.json (which copies of a package
 * node_modules holds). It is reused only while every input file its metafile lists has the content it
 * had when built, so an edited source, a new import or an upgraded package rebuilds it.
 */
export const BUNDLE_CACHE_DIR = path.join("node_modules", ".cache", "media-bundles");
/** Another folder for the cache (absolute, or relative to the root): to measure a clean clone's run without emptying this one. */
export const BUNDLE_CACHE_ENV = "MEDIA_BUNDLE_CACHE_DIR";

/** The files whose code, beyond the options, decides what esbuild makes. */
const BUILD_CODE = ["stacks/bundles.ts", "stacks/dedupe.ts", "stacks/sdk-package-info.ts", "stacks/sdk-substitutes.ts", "package-lock.json"];

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
  const dir = path.resolve(root, process.env[BUNDLE_CACHE_ENV] || BUNDLE_CACHE_DIR);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${keyOf(props, root)}.json`);
  for (;;) {
    const hit = await readEntry(file, root);
    if (hit) return hit;
    const release = await lock(`${file}.lock`);
    if (!release) continue; // another process built it meanwhile, or gave up: read again
    try {
      // Built by the previous holder between the read above and taking the lock.
      const built = await readEntry(file, root);
      if (built) return built;
      const bundle = await bundleFunction(props, root, false);
      const inputs = Object.fromEntries(Object.keys(bundle.metafile.inputs).map((input) => [input, digestOf(path.join(root, input)) ?? "missing"]));
      // Written whole or not at all: a process that reads the entry meanwhile sees the old one or none.
      const temporary = `${file}.${process.pid}.tmp`;
      await fs.writeFile(temporary, JSON.stringify({ bundle, inputs } satisfies Entry));
      await fs.rename(temporary, file);
      return bundle;
    } finally {
      await release();
    }
  }
}

/** How often a waiting process checks that the lock's holder is still alive (a holder that was killed leaves its lock file). */
const HOLDER_CHECK_MS = 5_000;
/**
 * A lock this old is taken to be left behind, whatever its pid: a pid recorded in another pid namespace
 * (a run under `unshare`) may name a live process here. One build takes seconds; past this, the worst
 * case of removing a live holder's lock is the same function built twice.
 */
const LOCK_STALE_MS = 180_000;

/**
 * Takes the lock file (its content: the holder's pid) and returns its release; or, when another live
 * process holds it, waits until that one releases it and returns undefined. A lock left by a process
 * that is gone is removed.
 */
async function lock(file: string): Promise<(() => Promise<void>) | undefined> {
  try {
    await fs.writeFile(file, String(process.pid), { flag: "wx" });
    return () => fs.rm(file, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  await new Promise<void>((resolve) => {
    const done = () => {
      watcher.close();
      clearInterval(holderCheck);
      resolve();
    };
    const watcher = watch(path.dirname(file), (_event, name) => {
      if (name === path.basename(file) && !existsSync(file)) done();
    });
    const holderCheck = setInterval(() => {
      if (!existsSync(file)) done();
      else if (!holderAlive(file)) rmSync(file, { force: true });
    }, HOLDER_CHECK_MS);
    // Released between the failed take and the watch.
    if (!existsSync(file)) done();
  });
  return undefined;
}

function holderAlive(file: string): boolean {
  let text: string;
  try {
    if (Date.now() - statSync(file).mtimeMs > LOCK_STALE_MS) return false;
    text = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  // Created, its pid not written yet.
  if (text === "") return true;
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
