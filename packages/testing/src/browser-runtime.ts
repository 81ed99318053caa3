import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { TOTP_TEST_CLOCK_ENV } from "@media/local/config";
import { startLocalProcess, type LocalProcess } from "./runtime-process";

/** Debian's chromium, as CI installs it (`apt-get install -y chromium`); CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * No sandbox (tests run as root in containers), no GPU, and nothing fetched but what a test asks for:
 * background networking, component updates and QUIC would only add traffic and timing of their own.
 */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** playwright-core gives every launch a fresh, empty profile (its own --user-data-dir) and deletes it on close. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get install -y chromium (.ci/run installs it), or set CHROMIUM_PATH.`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface BrowserWithRuntime {
  browser: Browser;
  /**
   * The local runtime as `npm start` runs it, on a data directory of its own, and with the test-only
   * control of its pool's TOTP clock (@media/testing/authenticator's runtimeTotpClock).
   */
  runtime: LocalProcess;
  /**
   * A page of the web app's origin (the one storage's CORS names) with `script` added. The app's CSP
   * allows its own scripts only, so the page bypasses it for the test's inline script.
   */
  pageWith(script: string, page?: Page): Promise<Page>;
  stop(): Promise<void>;
}

/**
 * `name` names the runtime's temporary data directory (media-<name>-…), removed on stop. The runtime,
 * Chromium and `alongside` (work the tests need before their first page, such as the web build) start
 * at once: each mostly waits on its own process, so the file waits for the slowest, not for their sum.
 */
export async function startBrowserWithRuntime(name: string, chromiumArgs: readonly string[] = [], alongside?: () => Promise<void>): Promise<BrowserWithRuntime> {
  const dataDir = await mkdtemp(join(tmpdir(), `media-${name}-`));
  let runtime: LocalProcess | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  // allSettled, not all: when one start fails, the others are still waited for, so stop finds them.
  const starts = await Promise.allSettled([
    startLocalProcess({ DATA_DIR: dataDir, [TOTP_TEST_CLOCK_ENV]: "1" }).then((r) => void (runtime = r)),
    launchChromium(chromiumArgs).then((b) => void (browser = b)),
    alongside?.(),
  ]);
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed || !runtime || !browser) {
    await stop();
    throw failed?.reason ?? new Error("the runtime or Chromium did not start");
  }
  const started = { browser, runtime };
  return {
    ...started,
    async pageWith(script, page) {
      page ??= await started.browser.newPage({ bypassCSP: true });
      await page.goto(`${started.runtime.url}/`);
      await page.addScriptTag({ content: script });
      return page;
    },
    stop,
  };
}

/**
 * Chromium and the local runtime for the calling test file, started before its tests and stopped after
 * them. Call at the top level of the file, before its own hooks (those then find both running). `before`
 * runs first; `alongside` runs while both start.
 */
export function browserWithRuntimePerFile(
  name: string,
  options: { chromiumArgs?: readonly string[]; before?: () => Promise<void> | void; alongside?: () => Promise<void> } = {},
): () => BrowserWithRuntime {
  let started: BrowserWithRuntime | undefined;
  beforeAll(async () => {
    await options.before?.();
    started = await startBrowserWithRuntime(name, options.chromiumArgs, options.alongside);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return () => {
    if (!started) throw new Error("the browser and runtime are used before beforeAll started them");
    return started;
  };
}
