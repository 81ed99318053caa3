import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { browserWithRuntimePerFile, type BrowserWithRuntime } from "./browser-runtime";

/** The web package's folder, found through the workspace's link rather than a path across packages. */
const webDir = dirname(createRequire(import.meta.url).resolve("@media/web/package.json"));

/** Where the browser tests leave their screenshots: test-artifacts/web at the repository's root. */
export const WEB_ARTIFACTS = join(webDir, "../../test-artifacts/web");

/**
 * The web app as `npm start` serves it, a browser and the runtime, for the calling test file. The
 * runtime serves packages/web/dist, so the app is built when missing or older than its sources
 * (ensure-built.mjs, which takes a lock: several files may ask at once). The runtime reads dist/ per
 * request, so the build runs while the runtime and Chromium start, and is done before the first page.
 */
export function webAppPerFile(name: string, chromiumArgs: readonly string[] = []): () => BrowserWithRuntime {
  return browserWithRuntimePerFile(name, {
    chromiumArgs,
    alongside: () =>
      new Promise<void>((resolve, reject) => {
        execFile(process.execPath, [join(webDir, "scripts/ensure-built.mjs"), "--quiet"], { encoding: "utf8" }, (error, stdout, stderr) => {
          if (error) reject(new Error(`web build failed:\n${stdout}\n${stderr}`, { cause: error }));
          else resolve();
        });
      }),
  });
}
