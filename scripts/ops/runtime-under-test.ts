import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";

/**
 * The local runtime as the recovery-script tests drive it: started on a data directory, stopped so that
 * a script may take that directory (the scripts refuse while the runtime holds it), and started again.
 */
export class RuntimeUnderTest {
  private process: LocalProcess | undefined;

  constructor(private readonly dataDir: () => string) {}

  get running(): boolean {
    return this.process !== undefined;
  }

  /** Starts the runtime (its own process) and answers a client of its API. */
  async start(): Promise<ReturnType<typeof apiClient>> {
    this.process = await startLocalProcess({ DATA_DIR: this.dataDir() });
    return apiClient(this.process.url);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }
}
