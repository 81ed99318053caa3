import { format } from "node:util";
import { afterAll, beforeEach } from "vitest";

/**
 * Vitest setup file: what the code under test prints (the handlers' JSON log lines, a spawned runtime's
 * output passed on by its helper, console calls) is kept, not printed, and shown only for a test that
 * fails, under that test's name. A passing run prints vitest's report alone.
 *
 * Output is caught at process.stdout/stderr.write, where the Powertools Logger writes, so tests that spy
 * on those streams to assert on log lines (captureStdio) still see every line, and when they restore
 * their spies, the catching resumes. This state is per file: each test file runs in a process of its own
 * (pool "forks"), or, for the stack tests, one after another in a worker thread that runs this file anew
 * for each.
 */
type Write = typeof process.stdout.write;

// Vitest's own console: it reports what it is given under the current test's name. Taken once per worker:
// where several files share a worker (the stack tests, vitest.config.ts), this file runs again for each,
// after the first run replaced console.error.
const VITEST_CONSOLE_ERROR = Symbol.for("@media/testing/quiet-output:console.error");
const shared = globalThis as { [VITEST_CONSOLE_ERROR]?: (...args: unknown[]) => void };
const report = (shared[VITEST_CONSOLE_ERROR] ??= console.error.bind(console));

/** Output of the file's hooks (beforeAll, a server started for every test), then of the current test. */
let fileOutput: string[] = [];
let testOutput: string[] | undefined;
let fileOutputShown = false;

const keep = (text: string) => (testOutput ?? fileOutput).push(text);

function catchWrites(stream: NodeJS.WriteStream): void {
  stream.write = ((chunk: string | Uint8Array, encodingOrDone?: BufferEncoding | ((error?: Error | null) => void), done?: (error?: Error | null) => void) => {
    keep(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = typeof encodingOrDone === "function" ? encodingOrDone : done;
    if (callback) queueMicrotask(() => callback());
    return true;
  }) as Write;
}
catchWrites(process.stdout);
catchWrites(process.stderr);

for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  console[method] = (...args: unknown[]) => keep(`${format(...args)}\n`);
}

function show(title: string, output: string[]): void {
  const text = output.join("");
  if (text.trim() !== "") report(`── ${title} ──\n${text.trimEnd()}\n── end of ${title} ──`);
}

beforeEach(({ onTestFailed }) => {
  const mine: string[] = [];
  testOutput = mine;
  onTestFailed(() => {
    if (!fileOutputShown) {
      fileOutputShown = true;
      show("output before this file's tests (its hooks)", fileOutput);
    }
    show("output during this test", mine);
  });
});

afterAll(() => {
  // Hooks after the last test write into the file's share again.
  testOutput = undefined;
});
