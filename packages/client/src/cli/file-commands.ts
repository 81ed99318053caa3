import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import type { ApiFile } from "@media/core/contract/responses";
import type { MediaClient } from "../client";
import { MediaApiError } from "../errors";
import { CliError, EXIT } from "./exit-codes";
import { formatBytes } from "./format";
import type { CliIo } from "./io";

/** What a command needs from its run: the process's streams, the API client, and a way to fail softly. */
export interface CommandContext {
  io: CliIo;
  client(): Promise<MediaClient>;
  /** The exit code, when the command finishes without an error yet did not do all it was asked. */
  exitWith(code: number): void;
}

/** `media ls`, `get`, `share`, `rm` and `me`: one API call or a few each, output for people or `--json`. */
export function fileCommands(program: Command, { io, client, exitWith }: CommandContext): void {
  program
    .command("ls")
    .description("list your files, newest first")
    .option("--type <type>", "image or audio")
    .option("-q, --query <words>", "words of the name, description or tags")
    .option("--from <date>", "uploaded at or after (ISO 8601)")
    .option("--to <date>", "uploaded at or before (ISO 8601)")
    .option("-n, --limit <n>", "at most this many")
    .option("--json", "one JSON array on standard output")
    .action(async (opts: { type?: string; query?: string; from?: string; to?: string; limit?: string; json?: boolean }) => {
      if (opts.type !== undefined && opts.type !== "image" && opts.type !== "audio") throw new CliError("--type is image or audio.", EXIT.usage);
      const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
      if (!(limit >= 1) || (limit !== Infinity && !Number.isInteger(limit))) throw new CliError("--limit must be a positive whole number.", EXIT.usage);
      const filter = { type: opts.type, q: opts.query, from: opts.from, to: opts.to, pageSize: Math.min(100, limit === Infinity ? 100 : limit) } as const;
      const files: ApiFile[] = [];
      for await (const file of (await client()).files(filter)) {
        files.push(file);
        if (files.length >= limit) break;
      }
      if (opts.json) return void io.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
      for (const f of files) io.stdout.write(`${f.fileId}  ${f.status.padEnd(8)}  ${formatBytes(f.size).padStart(10)}  ${f.uploadedAt.slice(0, 19).replace("T", " ")}  ${f.fileName}\n`);
    });

  program
    .command("get <fileIds...>")
    .description("download files under their names")
    .option("-o, --output <dir>", "the folder to save into", ".")
    .action(async (fileIds: string[], opts: { output: string }) => {
      const api = await client();
      const dir = resolve(opts.output);
      await mkdir(dir, { recursive: true });
      let failed = 0;
      for (const fileId of fileIds) {
        try {
          const file = await api.getFile(fileId);
          const target = join(dir, file.fileName.replace(/[/\\]/g, "_"));
          const response = await api.download(fileId);
          // Written beside the target and renamed when whole: an interrupted download leaves no half file.
          const partial = `${target}.part`;
          await pipeline(Readable.fromWeb(response.body! as import("node:stream/web").ReadableStream), createWriteStream(partial)).catch(async (error: unknown) => {
            await rm(partial, { force: true });
            throw error;
          });
          await rename(partial, target);
          io.stdout.write(`${target}\n`);
        } catch (error) {
          if (!(error instanceof MediaApiError) || error.status >= 500) throw error;
          failed++;
          io.stderr.write(`media: ${fileId}: ${error.message} (${error.code})\n`);
        }
      }
      if (failed > 0) exitWith(EXIT.refused);
    });

  program
    .command("share <fileId>")
    .description("make a link anyone can open until it expires")
    .option("--expires <seconds>", "how long the link opens (up to 604800)")
    .option("--json", "the link as JSON")
    .action(async (fileId: string, opts: { expires?: string; json?: boolean }) => {
      const expiresInSeconds = opts.expires === undefined ? undefined : Number(opts.expires);
      const share = await (await client()).share(fileId, expiresInSeconds === undefined ? {} : { expiresInSeconds });
      io.stdout.write(opts.json ? `${JSON.stringify(share)}\n` : `${share.url}\n`);
      if (!opts.json) io.stderr.write(`expires ${share.expiresAt}\n`);
    });

  program
    .command("rm <fileIds...>")
    .description("delete files")
    .action(async (fileIds: string[]) => {
      const api = await client();
      for (const fileId of fileIds) {
        await api.deleteFile(fileId);
        io.stdout.write(`deleted ${fileId}\n`);
      }
    });

  program
    .command("me")
    .description("who you are, what you store and your limits")
    .option("--json", "as JSON")
    .action(async (opts: { json?: boolean }) => {
      const me = await (await client()).me();
      if (opts.json) return void io.stdout.write(`${JSON.stringify(me, null, 2)}\n`);
      const { usage, limits } = me;
      io.stdout.write(
        `${me.email} (${me.userId})\n` +
          `files     ${usage.files}\n` +
          `stored    ${formatBytes(usage.bytes)} of ${formatBytes(usage.quotaBytes)}${usage.reservedBytes ? ` (${formatBytes(usage.reservedBytes)} reserved by uploads in flight)` : ""}\n` +
          `per file  up to ${formatBytes(limits.maxFileBytes)}\n`,
      );
    });
}
