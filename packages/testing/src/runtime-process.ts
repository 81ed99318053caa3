import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname } from "node:path";

/** packages/local, found through its package (its entry point is src/main.ts). */
const packageDir = dirname(dirname(createRequire(import.meta.url).resolve("@media/local/main")));

/** One JSON log line of the runtime, as a log shipper reads it from its piped stdout. */
export type LogLine = Record<string, unknown>;

export interface LocalProcess {
  url: string;
  output: () => string;
  /** Every JSON line the process has printed so far. */
  jsonLines(): LogLine[];
  /**
   * Resolves with the first JSON line that `matches`, among those printed so far or as soon as it is
   * printed: the runtime logs each step after it happened, so its line is the event a test waits for.
   * Rejects if the process exits first.
   */
  waitForLine(matches: (line: LogLine) => boolean): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the local runtime the way `npm start` does, as its own process on free ports, and waits for
 * its READY line. Stopping sends a signal to that one PID.
 */
export async function startLocalProcess(env: Record<string, string>, timeoutMs = 150_000): Promise<LocalProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: packageDir,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onOutput = (c: Buffer) => {
    out += c.toString();
    // Passed on to this process's stdout, where the test setup keeps it for the report of a failing test.
    process.stdout.write(c);
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", onOutput);
  child.stderr!.on("data", onOutput);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  /** Resolves with what `find` finds in the output, looking again on every chunk; rejects on exit. */
  const watch = <T>(find: () => T | undefined, onExit: (code: number | null) => Error): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const look = () => {
        const found = find();
        if (found === undefined) return false;
        listeners.delete(check);
        resolve(found);
        return true;
      };
      const check = () => void look();
      if (look()) return;
      listeners.add(check);
      void exited.then((code) => {
        listeners.delete(check);
        // Whatever the last chunk held was seen by `check` before the exit was.
        if (!look()) reject(onExit(code));
      });
    });

  let url: string;
  try {
    // The hang guard of a start that never comes: the child is killed rather than left running.
    const timer = setTimeout(() => void stop("SIGKILL"), timeoutMs);
    url = await watch(
      () => /^READY (\S+)$/m.exec(out)?.[1],
      (code) => new Error(`local runtime exited (${code}) before it was ready:\n${out}`),
    ).finally(() => clearTimeout(timer));
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }

  // Complete lines only: a chunk may end inside one.
  const jsonLines = () =>
    out
      .slice(0, out.lastIndexOf("\n") + 1)
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as LogLine);
  return {
    url,
    output: () => out,
    jsonLines,
    waitForLine: (matches) =>
      watch(
        () => jsonLines().find(matches),
        (code) => new Error(`local runtime exited (${code}) before printing the line awaited:\n${out}`),
      ),
    stop,
  };
}
