import { readdir, readFile, writeFile } from "node:fs/promises";

/** Percentile by nearest rank (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): { count: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : Number.NaN;
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : Number.NaN,
    mean,
  };
}

/** Milliseconds since an origin, with sub-millisecond resolution. */
export const nowMs = () => performance.now();

export interface ProcMemory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since start (or since the last resetPeak), bytes. */
  hwm: number;
}

/** VmRSS and VmHWM of a Linux process, from /proc/<pid>/status. */
export async function readProcMemory(pid: number): Promise<ProcMemory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/**
 * Resets the process's VmHWM to its current RSS (Linux ≥ 4.0: writing 5 to /proc/<pid>/clear_refs), so
 * that VmHWM afterwards is the peak of what follows only. False when the kernel refuses it.
 */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; the peak reported is the larger of the
 * highest sample and the kernel's VmHWM (which catches spikes between samples once resetPeak was done).
 */
export function sampleRss(pid: number, intervalMs = 20): { stop(): Promise<{ peakSampled: number; hwm: number; samples: number }> } {
  let peak = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const m = await readProcMemory(pid);
        peak = Math.max(peak, m.rss);
        samples += 1;
      } catch {
        return; // the process is gone
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const last = await readProcMemory(pid).catch(() => ({ rss: 0, hwm: 0 }));
      return { peakSampled: Math.max(peak, last.rss), hwm: last.hwm, samples };
    },
  };
}

export const MiB = 1024 * 1024;

/**
 * CPU time (user + system, ms) a Linux process has used so far, all its threads included, from
 * /proc/<pid>/stat (or one thread's, from /proc/<pid>/task/<thread>/stat); undefined where there is no /proc. On a shared machine, CPU per request is the
 * figure that stays comparable between runs when the wall-clock rate does not.
 */
export async function readProcCpuMs(pid: number, thread?: number): Promise<number | undefined> {
  try {
    // /proc/<pid>/task/<pid> is the main thread alone (its thread id is the process id).
    const stat = await readFile(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, "utf8");
    // Fields after the command name (which may hold spaces, hence the last ")"): utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Linux reports these in clock ticks of USER_HZ, which is 100 on every mainstream architecture.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of every thread of a process, by thread id, from /proc/<pid>/task; empty where /proc is missing. */
export async function readThreadCpuMs(pid: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const ms = await readProcCpuMs(pid, Number(tid));
    if (ms !== undefined) out.set(Number(tid), ms);
  }
  return out;
}
