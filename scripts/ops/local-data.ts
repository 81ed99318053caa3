import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DurableQueue } from "@media/local/queue/durable-queue";
import { localQueuePaths, openLocalDeadLetters as openDeadLetters, openLocalQueue, type LocalQueueId } from "@media/local/queue/local-queues";

/**
 * Where the local runtime keeps its state under DATA_DIR, and a way for an operations script to make
 * sure the runtime is not running on it (and cannot start) while the script changes that state.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function localPaths(dataDir: string) {
  const index = localQueuePaths(dataDir, "index");
  const renditions = localQueuePaths(dataDir, "renditions");
  return {
    dataDir,
    // As runtime.ts lays them out.
    dynamodb: join(dataDir, "dynamodb"),
    queue: index.queue,
    deadLetters: index.deadLetters,
    renditionQueue: renditions.queue,
    renditionDeadLetters: renditions.deadLetters,
  };
}

/**
 * The data directory to operate on: `--data-dir`, else DATA_DIR, else `.data`, each resolved as the
 * runtime resolves it (against the directory the command was started from). `npm start` runs inside the
 * packages/local workspace, so its default `.data` is packages/local/.data; when only that one exists it
 * is the one meant.
 */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { dataDir: string; note?: string } {
  const base = env.INIT_CWD ?? process.cwd();
  if (flag) return { dataDir: resolve(base, flag) };
  if (env.DATA_DIR) return { dataDir: resolve(base, env.DATA_DIR) };
  const atRoot = resolve(base, ".data");
  const workspace = join(repoRoot, "packages/local/.data");
  if (!existsSync(atRoot) && existsSync(workspace)) return { dataDir: workspace, note: `using ${workspace} (where \`npm start\` keeps its default .data)` };
  return { dataDir: atRoot };
}

/** A queue's dead-letter queue alone, as the runtime opens it (the indexer's unless told). */
export function openLocalDeadLetters(dataDir: string, id: LocalQueueId = "index"): Promise<DurableQueue> {
  return openDeadLetters(dataDir, id);
}

/** A queue with its dead-letter queue, as the runtime opens them (same directories, names and settings: local-queues.ts). */
export function openLocalQueues(dataDir: string, id: LocalQueueId = "index"): Promise<{ queue: DurableQueue; deadLetters: DurableQueue }> {
  return openLocalQueue(dataDir, id);
}

export class RuntimeRunningError extends Error {
  constructor(dataDir: string) {
    super(
      `The local runtime is running on ${dataDir} (its database is locked by another process). ` +
        "It reads its data only when it starts, so changes made now would not be seen and could race with it. " +
        "Stop it (Ctrl-C in its terminal), run this again, then start it",
    );
    this.name = "RuntimeRunningError";
  }

  /** The message, ended with what the script's work means to the runtime once it starts again. */
  advice(onRestart: string): string {
    return `${this.message}: ${onRestart}.`;
  }
}

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Takes the runtime's own exclusive lock: the local DynamoDB's LevelDB `LOCK` file, which the runtime
 * holds from start to stop (the OS releases it when the process dies, so a crashed runtime does not
 * leave it behind). Opening the database with the very `level` that dynalite uses either succeeds (no
 * runtime is running; and none can start until `release`) or fails with LEVEL_LOCKED (one is): no pid
 * file, nothing added to the runtime. Without a database yet (the runtime never ran here) there is
 * nothing to hold.
 */
export async function lockLocalData(dataDir: string): Promise<{ release(): Promise<void> }> {
  const dir = localPaths(dataDir).dynamodb;
  if (!existsSync(join(dir, "CURRENT"))) return { release: async () => undefined };
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve("dynalite"));
  const { Level } = fromDynalite("level") as { Level: new (path: string, options: { createIfMissing: boolean }) => LevelLike };
  const db = new Level(dir, { createIfMissing: false });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === "LEVEL_LOCKED" || /\block\b/i.test(cause?.message ?? "")) throw new RuntimeRunningError(dataDir);
    throw error;
  }
  return { release: () => db.close() };
}
