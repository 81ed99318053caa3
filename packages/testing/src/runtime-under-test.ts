import { vi } from "vitest";
import type { LocalRuntime } from "@media/local/runtime";
import { apiClient } from "./api-client";
import type { LogLine } from "./runtime-process";

/**
 * The local runtime in the test's own process, as `npm start` builds it (the same startLocalRuntime, with
 * the same configuration variables), for the tests that need the whole runtime but not its entry point:
 * starting it costs its servers, not a process of its own loading tsx, the AWS SDK and every handler again.
 * The tests of the entry point itself (its READY line, its exit code, a SIGKILL) start it as a process
 * (runtime-process.ts).
 *
 * It can be stopped and started again on what it left (a recovery script takes the data directory in
 * between). Each start loads the runtime and the handlers afresh (vi.resetModules): the handlers keep the
 * clients they built on first use, bound to the endpoints of the runtime running then, and every start
 * serves on new ports. Packages under node_modules (the AWS SDK) are not reloaded.
 *
 * What the runtime writes while it runs (its JSON log lines: stdout is not a terminal under vitest, so the
 * logger writes what a log shipper reads from `npm start`'s pipe) is kept for output() and waitForLine(),
 * and passed on to the test setup, which shows it only for a failing test.
 */
export class RuntimeUnderTest {
  private runtime: LocalRuntime | undefined;
  private written = "";
  private readonly listeners = new Set<() => void>();

  /** `env`: the runtime's configuration variables (DATA_DIR, MAX_FILE_BYTES, …), read at each start. */
  constructor(private readonly env: () => Record<string, string>) {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        if (this.runtime) {
          this.written += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
          for (const listener of this.listeners) listener();
        }
        return write(chunk, ...rest);
      }) as typeof stream.write;
    }
  }

  get running(): boolean {
    return this.runtime !== undefined;
  }

  /** The running runtime: its API's URL, its storage endpoint, its queues. */
  get current(): LocalRuntime {
    if (!this.runtime) throw new Error("the runtime is not running");
    return this.runtime;
  }

  get url(): string {
    return this.current.url;
  }

  /** Starts the runtime and answers a client of its API. */
  async start(): Promise<ReturnType<typeof apiClient>> {
    if (this.runtime) throw new Error("the runtime is running already");
    vi.resetModules();
    const { startLocalRuntime } = await import("@media/local/runtime");
    const { parseLocalConfig } = await import("@media/local/config");
    const { consoleLog } = await import("@media/local/console-log");
    this.written = "";
    const runtime = await startLocalRuntime(parseLocalConfig({ PORT: "0", ...this.env() }), consoleLog);
    this.runtime = runtime;
    return apiClient(runtime.url);
  }

  /** Resolves once every upload so far is indexed and every rendition it asked for is made (or dead-lettered). */
  async settled(): Promise<void> {
    await this.current.drained();
    await this.current.renditionsDrained();
  }

  /** What the runtime has written since it started. */
  output(): string {
    return this.written;
  }

  /** Every complete JSON line the runtime has written since it started. */
  jsonLines(): LogLine[] {
    return this.written
      .slice(0, this.written.lastIndexOf("\n") + 1)
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as LogLine);
  }

  /**
   * Resolves with the first JSON line that `matches`, among those written so far or as soon as it is
   * written: the runtime logs each step after it happened, so its line is the event a test waits for.
   * Rejects if the runtime is stopped first.
   */
  waitForLine(matches: (line: LogLine) => boolean): Promise<LogLine> {
    return new Promise<LogLine>((resolve, reject) => {
      const look = () => {
        const found = this.jsonLines().find(matches);
        if (found) {
          this.listeners.delete(look);
          resolve(found);
        } else if (!this.runtime) {
          this.listeners.delete(look);
          reject(new Error(`the local runtime stopped before writing the line awaited:\n${this.written}`));
        }
      };
      this.listeners.add(look);
      look();
    });
  }

  async stop(): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    try {
      await runtime.stop();
    } finally {
      this.runtime = undefined;
      for (const listener of [...this.listeners]) listener();
    }
  }
}
