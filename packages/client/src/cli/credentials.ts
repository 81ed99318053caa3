import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import type { PresignUploadResponse } from "@media/core/contract/responses";
import type { Session } from "../session";

/**
 * What `media` keeps between runs, in the user's config directory (XDG_CONFIG_HOME on Linux, Library/
 * Preferences on macOS, AppData on Windows): the API and the session (tokens are credentials, so the
 * directory is 0700 and the files 0600), and the authorisations of uploads in flight, to resume them.
 */
export interface Stored {
  apiUrl?: string;
  email?: string;
  session?: Session;
}

/** An upload in flight, keyed by what identifies its source: path, size and modification time. */
export type UploadJournal = Record<string, PresignUploadResponse>;

export function configDir(): string {
  return envPaths("media", { suffix: "" }).config;
}

async function readJson<T>(name: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(join(configDir(), name), "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw error;
  }
}

/** Written to a temporary file and renamed over, so a crash leaves the old file or the new one. */
async function writeJson(name: string, value: unknown): Promise<void> {
  const dir = configDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temporary = join(dir, `.${name}.${process.pid}`);
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, join(dir, name));
}

export const credentials = {
  read: () => readJson<Stored>("credentials.json", {}),
  write: (value: Stored) => writeJson("credentials.json", value),
  remove: () => rm(join(configDir(), "credentials.json"), { force: true }),
};

export const uploadJournal = {
  read: () => readJson<UploadJournal>("uploads.json", {}),
  write: (value: UploadJournal) => writeJson("uploads.json", value),
};
