import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface LocalProcess {
  url: string;
  output: () => string;
  /** Resolves once the output so far satisfies `done`, checked as each chunk arrives (the test's own timeout bounds it). */
  waitForOutput(done: (output: string) => boolean): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the local runtime the way `npm start` does, as its own process on free ports, and waits for
 * its READY line. Stopping sends a signal to that one PID.
 */
export async function startLocalProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<LocalProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: packageDir,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local runtime not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      const m = /^READY (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local runtime exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    waitForOutput: (done) =>
      new Promise<void>((resolve) => {
        if (done(out)) return resolve();
        const check = () => {
          if (!done(out)) return;
          child.stdout!.off("data", check);
          resolve();
        };
        // Registered after the collector above, so `out` already holds the chunk when this runs.
        child.stdout!.on("data", check);
      }),
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
