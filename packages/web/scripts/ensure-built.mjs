#!/usr/bin/env node
// Builds the web app when dist/ is missing or older than its sources, so `npm start` on a fresh clone
// serves it, and a second start is instant (the check reads a few dozen mtimes, well under 50 ms).
// Usage: node packages/web/scripts/ensure-built.mjs [--quiet]
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");
const built = join(webDir, "dist", "index.html");

/** Everything the bundle is made from: our sources and config, and the core modules the app imports. */
const inputs = [
  join(webDir, "src"),
  join(webDir, "public"),
  join(webDir, "index.html"),
  join(webDir, "vite.config.ts"),
  join(webDir, "package.json"),
  // The workspace packages the bundle imports: the typed client (every API call and upload) and core's
  // shared modules (schemas, error codes, sizes, media types).
  join(webDir, "..", "client", "src"),
  join(webDir, "..", "core", "src"),
];
/** Held while one process builds: test files run side by side, and two builds would empty dist/ under each other. */
const lock = join(webDir, "dist.build-lock");
/** A lock older than this was left by a build that died; no build takes near this long. */
const STALE_LOCK_MS = 10 * 60_000;

function newest(path) {
  let s;
  try {
    s = statSync(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return /\.test\.tsx?$/.test(path) ? 0 : s.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

function builtAt() {
  try {
    return statSync(built).mtimeMs;
  } catch {
    return 0;
  }
}

const fresh = () => {
  const at = builtAt();
  return { at, fresh: at > 0 && at >= Math.max(...inputs.map(newest)) };
};

export async function ensureBuilt() {
  if (fresh().fresh) return false;
  await takeLock();
  try {
    // Another process may have built it while this one waited for the lock.
    const { at, fresh: builtMeanwhile } = fresh();
    if (builtMeanwhile) return false;
    if (!quiet) process.stdout.write(at ? "Web app sources changed: rebuilding…\n" : "Building the web app (first start)…\n");
    const { build } = await import("vite");
    await build({ root: webDir, logLevel: quiet ? "error" : "warn" });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** mkdir is atomic: whoever creates the folder builds; the others look again every 200 ms. */
async function takeLock() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      let since;
      try {
        since = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released between the two calls
      }
      if (since > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(200);
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const rebuilt = await ensureBuilt();
    if (rebuilt && !quiet) process.stdout.write(`Web app built in ${Date.now() - started} ms.\n`);
  } catch (error) {
    process.stderr.write(`The web app could not be built: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
