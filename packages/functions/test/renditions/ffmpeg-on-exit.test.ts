import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./ffmpeg-on-exit.ts", import.meta.url));

/** Gone, or a zombie nobody has reaped yet: either way it no longer runs. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

let ffmpeg: number | undefined;
// A failure here would otherwise leave an hour-long encode behind.
afterEach(() => {
  if (ffmpeg && running(ffmpeg)) process.kill(ffmpeg, "SIGKILL");
});

it("kills an encode under way when its process exits, instead of leaving ffmpeg orphaned", async () => {
  const child = fork(CHILD, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  ffmpeg = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { ffmpeg: number }).ffmpeg));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the child exited (${code}) before reporting ffmpeg`)));
  });
  expect(ffmpeg).toBeGreaterThan(0);
  const exitCode = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve)));
  expect(exitCode).toBe(0);
  // The parent has exited; its SIGKILL reaches ffmpeg at once, but the kernel takes it down asynchronously.
  await expect.poll(() => running(ffmpeg!)).toBe(false);
});
