import { readFileSync, writeFileSync } from "node:fs";
import { createMediaInspector } from "../../src/media/inspector";
import { inspectInput } from "@media/testing/inspect-input";
import { fixture } from "@media/testing/media-samples";
import { HOSTILE_CASES } from "./hostile-cases";

/**
 * Run in a child process of its own (node --import tsx): inspects one case's hostile files and prints, as
 * one JSON line, the outcomes and how far the process's resident memory rose above where it stood just
 * before. The parsers and sharp are warmed up first on healthy files and the inputs are built before the
 * peak is reset (Linux's /proc/self/clear_refs), so the rise is the inspection's alone.
 */
const name = process.argv[2] ?? "";
const make = HOSTILE_CASES[name];
if (!make) throw new Error(`unknown case ${name}`);
const inspector = createMediaInspector();
for (const [file, type] of [["tone.flac", "audio/flac"], ["tone.mp3", "audio/mpeg"], ["tone.m4a", "audio/mp4"], ["still.heic", "image/heic"]] as const) {
  await inspector.inspect(inspectInput(fixture(file), type).input);
}
const inputs = make();

const kib = (field: string) => Number(/(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(field)) ?? "")?.[1]);
writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM, the peak resident set, to the current one
const baselineKiB = kib("VmRSS:");
const started = process.hrtime.bigint();
const outcomes = await Promise.all(
  inputs.map(async (input) => {
    try {
      const result = await inspector.inspect(input);
      return result.ok ? { ok: true, metadata: result.metadata, thumbnail: result.thumbnail?.bytes.length } : result;
    } catch (error) {
      return { thrown: error instanceof Error ? error.message : String(error) };
    }
  }),
);
const peakKiB = kib("VmHWM:");
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ outcomes, riseMiB: Math.round((peakKiB - baselineKiB) / 1024), seconds })}\n`);
