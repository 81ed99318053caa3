import { vi } from "vitest";
import type { LocalRuntime } from "@media/local/runtime";
import { apiClient } from "@media/testing/api-client";

/**
 * The local runtime as the recovery-script tests drive it, in the test's own process: started on a data
 * directory, stopped so that a script may take that directory (the scripts refuse while the runtime
 * holds it), and started again on what the script left.
 *
 * Each start loads the runtime and the handlers afresh (vi.resetModules): the handlers keep the clients
 * they built on first use, bound to the endpoints of the runtime running then, and every start serves on
 * new ports. The AWS SDK and the other packages under node_modules are not reloaded, so a start after the
 * first costs the servers' start alone, not a process and the loading of every module.
 */
export class RuntimeUnderTest {
  private runtime: LocalRuntime | undefined;

  constructor(private readonly dataDir: () => string) {}

  get running(): boolean {
    return this.runtime !== undefined;
  }

  /** Starts the runtime and answers a client of its API. */
  async start(): Promise<ReturnType<typeof apiClient>> {
    if (this.runtime) throw new Error("the runtime is running already");
    vi.resetModules();
    const { startLocalRuntime } = await import("@media/local/runtime");
    const { parseLocalConfig } = await import("@media/local/config");
    const { consoleLog } = await import("@media/local/console-log");
    // Its lines go to this process's stdout, which the test setup shows only for a failing test.
    this.runtime = await startLocalRuntime(parseLocalConfig({ DATA_DIR: this.dataDir(), PORT: "0" }), consoleLog);
    return apiClient(this.runtime.url);
  }

  /** Resolves once every upload so far is indexed and every rendition it asked for is made (or dead-lettered). */
  async settled(): Promise<void> {
    if (!this.runtime) throw new Error("the runtime is not running");
    await this.runtime.drained();
    await this.runtime.renditionsDrained();
  }

  async stop(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    await runtime?.stop();
  }
}
