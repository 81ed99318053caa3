import { createInterface } from "node:readline";
import { CliError, EXIT } from "./exit-codes";
import type { CliIo } from "./io";

type Input = Pick<CliIo, "stdin" | "stderr" | "env">;

/** A line typed on the terminal; `echo` false for a password (readline writes through this, which prints nothing). */
async function ask(io: Input, prompt: string, echo: boolean): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: true });
  if (!echo) {
    io.stderr.write(prompt);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  const answer = await new Promise<string>((resolve) => rl.question(echo ? prompt : "", resolve));
  rl.close();
  if (!echo) io.stderr.write("\n");
  return answer;
}

/**
 * The password, never from an argument (those show in process listings and shell history): from
 * $MEDIA_PASSWORD, from standard input with --password-stdin, or asked for on the terminal unechoed.
 */
export async function readPassword(io: Input, fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let text = "";
    for await (const chunk of io.stdin) text += String(chunk);
    return nonEmpty(text.replace(/\r?\n$/, ""));
  }
  if (io.env.MEDIA_PASSWORD) return io.env.MEDIA_PASSWORD;
  if (!io.stdin.isTTY) throw new CliError("No password: set MEDIA_PASSWORD or use --password-stdin.", EXIT.usage);
  return nonEmpty(await ask(io, "Password: ", false));
}

function nonEmpty(password: string): string {
  if (!password) throw new CliError("The password is empty.", EXIT.usage);
  return password;
}

/**
 * The authenticator app's code when the login is challenged: `--code`, else $MEDIA_MFA_CODE, else asked
 * for on the terminal (a code is single-use and lives 30 seconds, so unlike a password it may be an argument).
 */
export async function readMfaCode(io: Input, given: string | undefined): Promise<string> {
  const code = given ?? io.env.MEDIA_MFA_CODE;
  if (code) return code.trim();
  if (!io.stdin.isTTY) throw new CliError("This account has MFA on: give --code or set MEDIA_MFA_CODE.", EXIT.auth);
  const answer = (await ask(io, "Authenticator code: ", true)).trim();
  if (!answer) throw new CliError("The code is empty.", EXIT.usage);
  return answer;
}
