import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PresignUploadResponse } from "@media/core/contract/responses";
import type { Session } from "../session";

/**
 * What `media` keeps between runs, in the user's config directory (io.ts): the API and the session
 * (tokens are credentials, so the directory is 0700 and the files 0600), and the authorisations of
 * uploads in flight, to resume them.
 */
export interface Stored {
  apiUrl?: string;
  email?: string;
  session?: Session;
}

/** An upload in flight, keyed by what identifies its source: path, size and modification time. */
export type UploadJournal = Record<string, PresignUploadResponse>;

async function readJson<T>(dir: string, name: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(join(dir, name), "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw error;
  }
}

let writes = 0;

/** Written to a temporary file and renamed over, so a crash leaves the old file or the new one. */
async function writeJson(dir: string, name: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // Unique per write too: runs in one process (tests) may write the same file at once.
  const temporary = join(dir, `.${name}.${process.pid}.${++writes}`);
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, join(dir, name));
}

export interface CredentialStore {
  read(): Promise<Stored>;
  write(value: Stored): Promise<void>;
  remove(): Promise<void>;
}

export interface UploadJournalStore {
  read(): Promise<UploadJournal>;
  write(value: UploadJournal): Promise<void>;
}

export function credentialStore(dir: string): CredentialStore {
  return {
    read: () => readJson<Stored>(dir, "credentials.json", {}),
    write: (value) => writeJson(dir, "credentials.json", value),
    remove: () => rm(join(dir, "credentials.json"), { force: true }),
  };
}

export function uploadJournalStore(dir: string): UploadJournalStore {
  return {
    read: () => readJson<UploadJournal>(dir, "uploads.json", {}),
    write: (value) => writeJson(dir, "uploads.json", value),
  };
}
