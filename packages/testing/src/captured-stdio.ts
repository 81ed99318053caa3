import { afterEach, beforeEach, vi } from "vitest";

/**
 * What a test's code writes to stdout and stderr, captured at the streams as CloudWatch Logs would
 * receive it: the real formatters and serialisation, nothing stubbed between the call and the bytes.
 * Call at the top of a test file (it registers its own beforeEach and afterEach).
 */
export function captureStdio() {
  let written: string[] = [];
  beforeEach(() => {
    written = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
        written.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());
  return {
    text: () => written.join(""),
    /** Each non-empty line, parsed as JSON. */
    jsonLines: <T = Record<string, unknown>>(): T[] =>
      written
        .join("")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as T),
  };
}
