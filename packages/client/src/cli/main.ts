import { Command, CommanderError, Option } from "commander";
import { MediaClient } from "../client";
import { MediaApiError, StorageError } from "../errors";
import { credentialStore, uploadJournalStore } from "./credentials";
import { CliError, EXIT } from "./exit-codes";
import { fileCommands } from "./file-commands";
import type { CliIo } from "./io";
import { readMfaCode, readPassword } from "./password";
import { uploadCommand } from "./upload-command";

/**
 * `media`: the API from a terminal or a script. The API is `--api-url`, else $MEDIA_API_URL, else the
 * one logged in to last; the session is kept in the user's config directory (credentials.ts).
 *
 * `runCli` runs one command line with the streams, environment and config folder it is given and
 * answers its exit code; bin/media.js hands it the process's own. Nothing here reads process globals,
 * so runs can share a process (tests do).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = mediaProgram(io, (code) => void (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return report(io, error);
  }
}

function mediaProgram(io: CliIo, exitWith: (code: number) => void): Command {
  const credentials = credentialStore(io.configDir);
  const program = new Command("media")
    .description("Upload, list, share and download your media files")
    // The environment variable is read from `io.env` (clientFor), not by commander from process.env.
    .addOption(new Option("--api-url <url>", "the API's base URL (env: MEDIA_API_URL)"))
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError()
    .exitOverride();

  async function clientFor(requireSession: boolean): Promise<MediaClient> {
    const stored = await credentials.read();
    const apiUrl = program.opts<{ apiUrl?: string }>().apiUrl ?? (io.env.MEDIA_API_URL || undefined) ?? stored.apiUrl;
    if (!apiUrl) throw new CliError("No API: give --api-url or set MEDIA_API_URL.", EXIT.usage);
    // A session belongs to the API that issued it.
    const session = stored.apiUrl === apiUrl ? stored.session : undefined;
    if (requireSession && !session) throw new CliError(`Not logged in to ${apiUrl}: run media login.`, EXIT.auth);
    return new MediaClient({
      apiUrl,
      session,
      onSession: (next) => credentials.write(next ? { ...stored, apiUrl, session: next } : { apiUrl }),
    });
  }
  const say = (line: string) => void io.stdout.write(`${line}\n`);

  program
    .command("signup <email>")
    .description("create an account (a confirmation code is emailed)")
    .option("--username <name>", "a name to sign in with besides the email")
    .option("--password-stdin", "read the password from standard input")
    .action(async (email: string, opts: { username?: string; passwordStdin?: boolean }) => {
      const client = await clientFor(false);
      const password = await readPassword(io, opts.passwordStdin === true);
      const result = await client.signUp(opts.username ? { email, password, username: opts.username } : { email, password });
      say(result.confirmed ? "Account created." : `Account created: confirm it with media confirm ${email} <code>.`);
    });

  program
    .command("confirm <email> <code>")
    .description("confirm an account with the emailed code")
    .action(async (email: string, code: string) => {
      await (await clientFor(false)).confirm({ email, code });
      say("Account confirmed.");
    });

  program
    .command("login <emailOrUsername>")
    .description("sign in (password from $MEDIA_PASSWORD, --password-stdin, or asked for; with MFA on, the code from --code, $MEDIA_MFA_CODE, or asked for)")
    .option("--password-stdin", "read the password from standard input")
    .option("--code <code>", "the authenticator app's current code, if the account has MFA on")
    .action(async (identifier: string, opts: { passwordStdin?: boolean; code?: string }) => {
      const client = await clientFor(false);
      const password = await readPassword(io, opts.passwordStdin === true);
      // Asked for only when the API challenges: accounts without MFA never see the prompt.
      await client.login(identifier, password, { mfaCode: () => readMfaCode(io, opts.code) });
      const stored = await credentials.read();
      await credentials.write({ ...stored, email: identifier });
      say(`Logged in to ${client.transport.apiUrl} as ${identifier}.`);
    });

  program
    .command("logout")
    .description("end every session of the account and forget the credentials")
    .action(async () => {
      await (await clientFor(true)).logout();
      await credentials.remove();
      say("Logged out.");
    });

  program
    .command("upload <paths...>")
    .description("upload files and folders (recursively)")
    .option("-c, --concurrency <n>", "files at once", (v) => positiveInt(v, "--concurrency"), 4)
    .option("--no-skip", "upload again files already there by name and size")
    .option("--no-wait", "do not wait for the files to be checked and indexed")
    .option("--json", "a JSON summary on standard output")
    .option("--multipart-threshold <MiB>", "files larger than this go in parts, resumable part by part", (v) => positiveInt(v, "--multipart-threshold"), 64)
    .action(async (paths: string[], opts: { concurrency: number; skip: boolean; wait: boolean; json?: boolean; multipartThreshold: number }) => {
      const client = await clientFor(true);
      const options = { concurrency: opts.concurrency, skipExisting: opts.skip, wait: opts.wait, json: opts.json === true, multipartThreshold: opts.multipartThreshold * 1024 * 1024 };
      exitWith(await uploadCommand(io, uploadJournalStore(io.configDir), client, paths, options));
    });

  fileCommands(program, { io, client: () => clientFor(true), exitWith });
  return program;
}

export function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive whole number.`, EXIT.usage);
  return n;
}

function report(io: CliIo, error: unknown): number {
  const complain = (message: string) => void io.stderr.write(`media: ${message}\n`);
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof CliError) {
    complain(error.message);
    return error.exitCode;
  }
  if (error instanceof MediaApiError) {
    complain(`${error.message} (${error.code})`);
    if (error.status === 401 || error.status === 403) return EXIT.auth;
    return error.status >= 500 || error.status === 429 ? EXIT.unavailable : EXIT.refused;
  }
  if (error instanceof StorageError) {
    complain(error.message);
    return EXIT.unavailable;
  }
  // fetch's own failure: the API could not be reached.
  if (error instanceof TypeError && error.message === "fetch failed") {
    complain(`cannot reach the API (${String((error as { cause?: unknown }).cause ?? error.message)})`);
    return EXIT.unavailable;
  }
  io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.unavailable;
}
