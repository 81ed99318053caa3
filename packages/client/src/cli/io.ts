import type { Readable } from "node:stream";
import envPaths from "env-paths";

/** A stream the tool writes to; `isTTY` decides between progress bars and plain lines. */
export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Everything `media` takes from its process, handed in rather than read from globals: the bin passes
 * the process's own (processIo), a test its own buffers, environment and config folder, so the commands
 * run in-process, many times over, beside each other.
 */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: CliOutput;
  stderr: CliOutput;
  env: Readonly<Record<string, string | undefined>>;
  /** Where the credentials and the upload journal are kept. */
  configDir: string;
}

/** The user's config directory: XDG_CONFIG_HOME on Linux, Library/Preferences on macOS, AppData on Windows. */
export function defaultConfigDir(): string {
  return envPaths("media", { suffix: "" }).config;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, configDir: defaultConfigDir() };
}
