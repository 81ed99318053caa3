import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { LocalFile } from "@media/core/renditions/ports";
import { ffmpegPath } from "@media/functions/renditions/ffmpeg";

const exec = promisify(execFile);

/**
 * Audio made in the test with the same ffmpeg the renditions use: a sine tone of `seconds`, at the rate,
 * channel count and container asked for (`-f` format name: wav, flac, mp3, ipod…).
 */
export async function toneFile(options: { seconds: number; sampleRate?: number; channels?: number; format: string; extension: string; codec?: string }): Promise<LocalFile> {
  const dir = await mkdtemp(join(tmpdir(), "tone-"));
  const path = join(dir, `tone.${options.extension}`);
  const rate = options.sampleRate ?? 44_100;
  const codec = options.codec ? ["-c:a", options.codec] : [];
  await exec(ffmpegPath(), ["-v", "error", "-y", "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=${rate}:duration=${options.seconds}`, "-ac", String(options.channels ?? 2), ...codec, "-f", options.format, path]);
  return { path, bytes: (await stat(path)).size, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Hours of silence, cheaply: ffmpeg's null source at 8 kHz mono as FLAC, which stores silence in a few
 * bytes per frame (three hours take about a megabyte and a few seconds to write).
 */
export async function silentFlac(seconds: number): Promise<LocalFile> {
  const dir = await mkdtemp(join(tmpdir(), "silence-"));
  const path = join(dir, "silence.flac");
  await exec(ffmpegPath(), ["-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", String(seconds), "-c:a", "flac", "-f", "flac", path]);
  return { path, bytes: (await stat(path)).size, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Bytes written to a temporary file, as the renditions' download would leave them. */
export async function bytesFile(bytes: Buffer, name = "original"): Promise<LocalFile> {
  const dir = await mkdtemp(join(tmpdir(), "bytes-"));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes: bytes.length, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export const readLocal = (file: LocalFile) => readFile(file.path);
