import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * The functions' temporary folder (SCRATCH_DIR), under the data directory. A Lambda sandbox starts with
 * an empty /tmp and takes it along when it is lost mid-invocation; here the functions outlive no process,
 * so what an invocation cut short left (Ctrl-C during an encode: a copy of the original, a half-written
 * stream) is removed when the runtime starts again. Never shared with another runtime: each has its own
 * data directory.
 */
export async function freshScratchDir(dataDir: string): Promise<string> {
  const dir = join(dataDir, "scratch");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}
