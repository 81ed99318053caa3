import cliProgress from "cli-progress";
import type { PresignUploadResponse } from "@media/core/contract/responses";
import { contentTypeForFileName } from "@media/core/media-types";
import type { MediaClient } from "../client";
import { MediaApiError, StorageError } from "../errors";
import { stillValid } from "../upload";
import type { UploadJournal, UploadJournalStore } from "./credentials";
import { EXIT } from "./exit-codes";
import { formatBytes } from "./format";
import type { CliIo } from "./io";
import { expandSources, sourceKey, type LocalFile } from "./sources";

export interface UploadCommandOptions {
  concurrency: number;
  skipExisting: boolean;
  wait: boolean;
  json: boolean;
  /** Bytes above which a file goes by multipart (its journal entry then resumes part by part). */
  multipartThreshold?: number;
}

interface Outcome {
  path: string;
  fileName: string;
  status: "uploaded" | "ready" | "skipped" | "rejected" | "failed";
  fileId?: string;
  reason?: string;
}

/**
 * `media upload <files or folders…>`: several at once, a bar per file and one for the total (on a
 * terminal), files already there by name and size skipped, an upload interrupted by a crash resumed
 * from its journal entry while its authorisation holds, and a summary of what was refused and why.
 */
export async function uploadCommand(io: CliIo, journalStore: UploadJournalStore, client: MediaClient, args: string[], options: UploadCommandOptions): Promise<number> {
  const { files, missing } = await expandSources(args);
  const outcomes: Outcome[] = missing.map((path) => ({ path, fileName: path, status: "failed", reason: "no such file or folder" }));
  // Rejected files count as there: the same bytes would be rejected again (--no-skip tries anyway).
  const existing = new Map<string, string>();
  if (options.skipExisting) {
    for await (const f of client.files({ pageSize: 100 })) {
      if (f.status !== "pending") existing.set(`${f.fileName}\u0000${f.size}`, f.status === "ready" ? "already uploaded" : `already uploaded and rejected: ${f.rejectionReason ?? "no reason given"}`);
    }
  }
  const journal = new Journal(journalStore, await journalStore.read());
  const todo: LocalFile[] = [];
  for (const file of files) {
    const already = existing.get(`${file.name}\u0000${file.size}`);
    if (already) outcomes.push({ path: file.path, fileName: file.name, status: "skipped", reason: already });
    else if (!contentTypeForFileName(file.name)) outcomes.push({ path: file.path, fileName: file.name, status: "rejected", reason: "not an image or audio file name" });
    else todo.push(file);
  }

  const bars = io.stderr.isTTY && !options.json ? new cliProgress.MultiBar({ format: " {bar} {percentage}% | {name}", hideCursor: true, clearOnComplete: false, stream: io.stderr as NodeJS.WritableStream }, cliProgress.Presets.shades_classic) : undefined;
  const totalBytes = todo.reduce((sum, f) => sum + f.size, 0);
  const total = bars?.create(totalBytes, 0, { name: `total ${todo.length} files, ${formatBytes(totalBytes)}` });
  const sent = new Map<string, number>();
  const log = (line: string) => (bars ? bars.log(`${line}\n`) : options.json || io.stderr.write(`${line}\n`));

  const uploadOne = async (file: LocalFile): Promise<Outcome> => {
    const key = sourceKey(file);
    const bar = bars?.create(file.size, 0, { name: file.name });
    try {
      const earlier = journal.get(key);
      const resumable = earlier !== undefined && stillValid(earlier, file.size, Date.now());
      // An authorisation past its life: its pending file is cancelled, so its reservation comes back now.
      if (earlier && !resumable) await client.deleteFile(earlier.fileId).catch(() => undefined);
      const result = await client.upload(file.path, {
        ...(options.multipartThreshold ? { multipartThreshold: options.multipartThreshold } : {}),
        ...(earlier && resumable ? { resume: earlier } : {}),
        onAuthorised: (authorisation) => journal.set(key, authorisation),
        onProgress: ({ loaded }) => {
          bar?.update(loaded);
          sent.set(key, loaded);
          total?.update([...sent.values()].reduce((a, b) => a + b, 0));
        },
      });
      await journal.delete(key);
      if (!options.wait) return { path: file.path, fileName: file.name, status: "uploaded", fileId: result.fileId };
      const indexed = await client.waitUntilReady(result.fileId);
      if (indexed.status === "rejected") return { path: file.path, fileName: file.name, status: "rejected", fileId: result.fileId, reason: indexed.rejectionReason ?? "rejected" };
      return { path: file.path, fileName: file.name, status: "ready", fileId: result.fileId };
    } catch (error) {
      if (error instanceof MediaApiError && error.status < 500 && error.status !== 401 && error.status !== 403 && error.status !== 429) {
        return { path: file.path, fileName: file.name, status: "rejected", reason: `${error.code}: ${error.message}` };
      }
      const reason = error instanceof MediaApiError || error instanceof StorageError ? error.message : String(error);
      return { path: file.path, fileName: file.name, status: "failed", reason };
    } finally {
      if (bar) bars?.remove(bar);
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const file = todo[next++]!;
      const outcome = await uploadOne(file);
      outcomes.push(outcome);
      log(`${outcome.status.padEnd(8)} ${outcome.fileName}${outcome.reason ? ` (${outcome.reason})` : ""}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker));
  bars?.stop();
  printSummary(io, outcomes, options.json);
  return outcomes.some((o) => o.status === "rejected" || o.status === "failed") ? EXIT.refused : EXIT.ok;
}

function printSummary(io: CliIo, outcomes: Outcome[], json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
    return;
  }
  const count = (s: Outcome["status"]) => outcomes.filter((o) => o.status === s).length;
  io.stdout.write(`${count("ready") + count("uploaded")} uploaded, ${count("skipped")} skipped (already there), ${count("rejected")} rejected, ${count("failed")} failed\n`);
  for (const o of outcomes.filter((o) => o.status === "rejected" || o.status === "failed")) io.stdout.write(`  ${o.status} ${o.path}: ${o.reason}\n`);
}

/** The upload journal, written after each change; writes are chained so concurrent uploads never interleave them. */
class Journal {
  #writing: Promise<void> = Promise.resolve();
  constructor(
    private readonly store: UploadJournalStore,
    private readonly entries: UploadJournal,
  ) {}

  get(key: string): PresignUploadResponse | undefined {
    return this.entries[key];
  }

  set(key: string, value: PresignUploadResponse): Promise<void> {
    this.entries[key] = value;
    return this.flush();
  }

  delete(key: string): Promise<void> {
    delete this.entries[key];
    return this.flush();
  }

  private flush(): Promise<void> {
    this.#writing = this.#writing.then(() => this.store.write({ ...this.entries }));
    return this.#writing;
  }
}
