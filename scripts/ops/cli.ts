/**
 * How the recovery scripts (`npm run reindex`, `purge-user`, `redrive`) meet the outside world: each is
 * a function of its arguments and two output streams that answers its exit code. Run as a script, the
 * streams are the process's and the code ends the process; a test calls the same function in its own
 * process and reads what it wrote, so only one run per script needs a process of its own.
 */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** The environment the script reads (DATA_DIR, INIT_CWD, AWS_REGION, …); the process's when left out. */
  env?: NodeJS.ProcessEnv;
}

/** The environment a run reads: the one it was given, else the process's. */
export function envOf(io: CliIo): NodeJS.ProcessEnv {
  return io.env ?? process.env;
}

export type CliMain = (argv: string[], io: CliIo) => Promise<number>;

/** Ends a run with its exit code from wherever the script finds it cannot go on (see `fail`). */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = "CliExit";
  }
}

/** Writes `message` to stderr and ends the run with `code`. */
export function fail(io: CliIo, message: string, code: number): never {
  io.stderr.write(`${message}\n`);
  throw new CliExit(code);
}

/**
 * A script's parsed command line, or undefined once `--help` has printed the usage. Arguments parseArgs
 * refuses end the script with exit code 2, the reason and the usage.
 */
export function parseCommandLine<P extends { values: { help?: boolean | undefined } }>(parse: () => P, io: CliIo, usage: string): P | undefined {
  let parsed: P;
  try {
    parsed = parse();
  } catch (error) {
    fail(io, `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
  if (parsed.values.help) {
    io.stdout.write(usage);
    return undefined;
  }
  return parsed;
}

/** Runs `main` on the process's arguments and streams, and exits with its code. */
export async function runAsScript(main: CliMain): Promise<never> {
  process.exit(await exitCodeOf(() => main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })));
}

export async function exitCodeOf(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliExit) return error.code;
    throw error;
  }
}
