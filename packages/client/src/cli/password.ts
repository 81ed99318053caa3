import { createInterface } from "node:readline";
import { CliError, EXIT } from "./exit-codes";

/**
 * The password, never from an argument (those show in process listings and shell history): from
 * $MEDIA_PASSWORD, from standard input with --password-stdin, or asked for on the terminal unechoed.
 */
export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let text = "";
    for await (const chunk of process.stdin) text += String(chunk);
    return nonEmpty(text.replace(/\r?\n$/, ""));
  }
  if (process.env.MEDIA_PASSWORD) return process.env.MEDIA_PASSWORD;
  if (!process.stdin.isTTY) throw new CliError("No password: set MEDIA_PASSWORD or use --password-stdin.", EXIT.usage);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write("Password: ");
  // Typed characters are not echoed: readline writes through this, which prints nothing.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stderr.write("\n");
  return nonEmpty(answer);
}

function nonEmpty(password: string): string {
  if (!password) throw new CliError("The password is empty.", EXIT.usage);
  return password;
}

/**
 * The authenticator app's code when the login is challenged: `--code`, else $MEDIA_MFA_CODE, else asked
 * for on the terminal (a code is single-use and lives 30 seconds, so unlike a password it may be an argument).
 */
export async function readMfaCode(given: string | undefined): Promise<string> {
  const code = given ?? process.env.MEDIA_MFA_CODE;
  if (code) return code.trim();
  if (!process.stdin.isTTY) throw new CliError("This account has MFA on: give --code or set MEDIA_MFA_CODE.", EXIT.auth);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question("Authenticator code: ", resolve));
  rl.close();
  if (!answer.trim()) throw new CliError("The code is empty.", EXIT.usage);
  return answer.trim();
}
