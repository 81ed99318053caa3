import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { track } from "./cleanup";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface RuntimeProcess {
  url: string;
  pid: number;
  dataDir: string;
  endpoints: { dynamodb: string; s3: string };
  /** The last lines the runtime printed (its output is drained continuously so the pipe never blocks it). */
  output(): string;
  /** SIGTERM to this PID (SIGKILL after 10 s), then the temporary DATA_DIR is removed. */
  stop(): Promise<void>;
}

/**
 * Starts the local runtime as its own process, as `npm start` does (see runtime-child.ts), on free ports
 * bound to 127.0.0.1, in a fresh temporary DATA_DIR under `parentDir` (the disk the benchmark measures).
 */
export async function startRuntime(env: Record<string, string>, options: { parentDir?: string; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<RuntimeProcess> {
  const dataDir = await mkdtemp(join(options.parentDir ?? tmpdir(), "bench-data-"));
  // `npm run bench -- --cpu-prof DIR` (index.ts sets this): each runtime writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF_DIR)}`] : [];
  // `npm run bench -- --trace DIR`: every thread of the runtime records its requests, SDK calls, GC pauses and
  // event-loop delay there (trace-preload.cjs; `--require` because it is the preload worker threads get too).
  const trace = process.env.BENCH_TRACE_DIR ? ["--require", join(repoRoot, "scripts/bench/trace-preload.cjs")] : [];
  const child = spawn(process.execPath, [...profile, ...trace, ...(options.nodeArgs ?? []), "--import", "tsx", join(repoRoot, "scripts/bench/runtime-child.ts")], {
    cwd: repoRoot,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 64 * 1024) out = out.slice(-32 * 1024);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const cleanUp = track(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  });
  try {
    const { url, endpoints } = await new Promise<{ url: string; endpoints: RuntimeProcess["endpoints"] }>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`runtime not ready after ${options.timeoutMs ?? 60_000} ms:\n${out}`)), options.timeoutMs ?? 60_000);
      const check = () => {
        const ready = /^READY (\S+)$/m.exec(out);
        const ends = /^ENDPOINTS (\{.*\})$/m.exec(out);
        if (ready && ends) {
          clearTimeout(timer);
          resolvePromise({ url: ready[1]!, endpoints: JSON.parse(ends[1]!) as RuntimeProcess["endpoints"] });
        }
      };
      child.stdout.on("data", check);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`runtime exited early:\n${out}`));
      });
    });
    return { url, pid: child.pid!, dataDir, endpoints, output: () => out, stop: cleanUp };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
