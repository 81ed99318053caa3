import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";

export interface LocalFile {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
}

/** The files named on the command line, folders walked recursively, in a stable order, each once. */
export async function expandSources(args: string[]): Promise<{ files: LocalFile[]; missing: string[] }> {
  const files = new Map<string, LocalFile>();
  const missing: string[] = [];
  for (const arg of args) {
    const path = resolve(arg);
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      missing.push(arg);
    } else if (info.isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      for (const entry of entries.filter((e) => e.isFile() && !e.name.startsWith(".")).sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
        const full = join(entry.parentPath, entry.name);
        const s = await stat(full);
        files.set(full, { path: full, name: entry.name, size: s.size, mtimeMs: s.mtimeMs });
      }
    } else if (info.isFile()) {
      files.set(path, { path, name: basename(path), size: info.size, mtimeMs: info.mtimeMs });
    }
  }
  return { files: [...files.values()], missing };
}

/** What identifies an upload's source between runs (to resume it): the file as it was then. */
export function sourceKey(file: LocalFile): string {
  return `${file.path}\u0000${file.size}\u0000${Math.trunc(file.mtimeMs)}`;
}
