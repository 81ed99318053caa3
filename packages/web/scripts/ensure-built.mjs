#!/usr/bin/env node
// Builds the web app when dist/ is missing or older than its sources, so `npm start` on a fresh clone
// serves it, and a second start is instant (the check reads a few dozen mtimes, well under 50 ms).
// Usage: node packages/web/scripts/ensure-built.mjs [--quiet]
import { readdirSync, statSync } from "node:fs";
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
  // The core modules the bundle imports (types only from the rest): see src/upload/media-accept.ts.
  ...["media-types.ts", "errors.ts", "routes.ts"].map((f) => join(webDir, "..", "core", "src", f)),
];

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

export async function ensureBuilt() {
  const at = builtAt();
  const sources = Math.max(...inputs.map(newest));
  if (at > 0 && at >= sources) return false;
  if (!quiet) process.stdout.write(at ? "Web app sources changed: rebuilding…\n" : "Building the web app (first start)…\n");
  const { build } = await import("vite");
  await build({ root: webDir, logLevel: quiet ? "error" : "warn" });
  return true;
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
