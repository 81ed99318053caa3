import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { RenditionRefusedError } from "@media/core/renditions/ports";

/**
 * ffmpeg as a child process, bounded in time: killed (SIGKILL, it holds nothing worth a clean exit) at the
 * deadline. Its memory is its own, outside the Node heap, and small for audio (about 20 MB whatever the
 * length: it streams). The binary comes from @ffmpeg-installer: locally the package for this machine,
 * on Lambda the linux-arm64 one, installed into the function's bundle for its platform as the indexer's
 * sharp is (stacks/native-modules.ts). It is loaded by name at run time, never bundled.
 */
const INSTALLER = ["@ffmpeg-installer", "ffmpeg"].join("/");
let binary: string | undefined;

export function ffmpegPath(): string {
  binary ??= (createRequire(import.meta.url)(INSTALLER) as { path: string }).path;
  return binary;
}

/**
 * Encodes under way. A process that exits (the local runtime on Ctrl-C, leaving a long encode for the next
 * start) takes them with it: a child would otherwise run on, orphaned, to its deadline.
 */
const running = new Set<ChildProcess>();
let killOnExit = false;
function track(child: ChildProcess): void {
  if (!killOnExit) {
    killOnExit = true;
    process.once("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
  }
  running.add(child);
  child.once("close", () => running.delete(child));
}

/** How much of ffmpeg's stderr is kept for the log when it fails. */
const STDERR_TAIL_BYTES = 4096;

export interface FfmpegRun {
  args: string[];
  /** Epoch ms; the process is killed then and the run refused as too slow. */
  deadline: number;
  /** Bytes ffmpeg writes to `pipe:1`, as they come. */
  onStdout?: (chunk: Buffer) => void;
}

export class FfmpegFailedError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`ffmpeg exited with ${exitCode}: ${stderrTail.split("\n").filter(Boolean).slice(-3).join(" | ")}`);
    this.name = "FfmpegFailedError";
  }
}

/**
 * Resolves when ffmpeg exits 0. Rejects with FfmpegFailedError on another exit code (the input's fault:
 * the caller turns it into a reason), RenditionRefusedError at the deadline, and the spawn error itself
 * when the binary cannot run (ours: retried).
 */
export function runFfmpeg(run: FfmpegRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ["-nostdin", "-hide_banner", "-v", "error", ...run.args], { stdio: ["ignore", "pipe", "pipe"] });
    track(child);
    let stderr = "";
    let late = false;
    const timer = setTimeout(
      () => {
        late = true;
        child.kill("SIGKILL");
      },
      Math.max(0, run.deadline - Date.now()),
    );
    child.stdout.on("data", (chunk: Buffer) => run.onStdout?.(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      if (late) reject(new RenditionRefusedError("Encoding took longer than the time a rendition may take; the original is served as it is."));
      else if (code === 0) resolve();
      else reject(new FfmpegFailedError(code, stderr));
    });
  });
}
