import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { exitCodeOf, type CliMain } from "./cli";

/** The repository's root, where `npm run` starts the operational scripts. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scripts/<name>.ts` as `npm run <name> -- …` does (tsx, from the root), for the tests: stdout and
 * stderr are pipes here, so the progress bar is plain lines.
 */
export function runScript(name: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ScriptRun {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts", `${name}.ts`), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...options.env },
    timeout: options.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs a script's main function (scripts/ops/*-cli.ts) in this process, with its output kept as
 * runScript keeps a child's (pipes, not a terminal): what a test needs of most runs, without starting
 * a process and loading the SDK again for each. `env` replaces the process's environment for the run.
 */
export async function runInProcess(main: CliMain, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ScriptRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { stdout: { write: (c: string) => stdout.push(c) }, stderr: { write: (c: string) => stderr.push(c) }, ...(options.env ? { env: options.env } : {}) };
  const code = await exitCodeOf(() => main(args, io));
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}
