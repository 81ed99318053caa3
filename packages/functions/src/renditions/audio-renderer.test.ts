import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { RenditionRefusedError } from "@media/core/renditions/ports";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bytesFile, readLocal, silentFlac, toneFile } from "@media/testing/rendition-inputs";
import { wavHeader } from "@media/testing/minimal-media";
import { createAudioRenderer } from "./audio-renderer";
import { ffmpegPath } from "./ffmpeg";

const exec = promisify(execFile);
/** The function's scratch folder (SCRATCH_DIR): every temporary file goes there, and goes again. */
let scratchDir: string;
let renderer: ReturnType<typeof createAudioRenderer>;
beforeAll(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), "audio-renderer-scratch-"));
  renderer = createAudioRenderer({ scratchDir });
});
afterAll(() => rm(scratchDir, { recursive: true, force: true }));
const disposals: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const dispose of disposals.splice(0)) await dispose();
  expect(await readdir(scratchDir)).toEqual([]);
});
const later = (ms = 60_000) => Date.now() + ms;

/** What ffprobe-by-ffmpeg says of a file: its first stream's codec line. */
async function streamLine(path: string): Promise<string> {
  const { stderr } = await exec(ffmpegPath(), ["-hide_banner", "-i", path]).catch((e: { stderr: string }) => e);
  return stderr.split("\n").find((l) => l.includes("Audio:")) ?? "";
}

describe("audio renderer", () => {
  it("makes an AAC-in-MP4 stream and a waveform from a WAV in one decode", async () => {
    const wav = await toneFile({ seconds: 3, format: "wav", extension: "wav" });
    disposals.push(wav.dispose);
    const out = await renderer.render({ source: wav, stream: { kbps: 128, channels: 2, sampleRate: 44_100 }, deadline: later() });
    disposals.push(() => out.stream!.dispose());
    expect(dirname(dirname(out.stream!.path))).toBe(scratchDir);
    expect(out.stream!.bytes).toBeGreaterThan(10_000);
    expect(out.stream!.bytes).toBeLessThan(wav.bytes / 4);
    const bytes = await readLocal(out.stream!);
    // ISO BMFF, index first (faststart): ftyp, then moov before mdat.
    expect(bytes.subarray(4, 8).toString()).toBe("ftyp");
    expect(bytes.indexOf("moov")).toBeLessThan(bytes.indexOf("mdat"));
    expect(await streamLine(out.stream!.path)).toMatch(/aac \(LC\).*44100 Hz, stereo/);
    expect(out.waveform.durationSeconds).toBeCloseTo(3, 1);
    expect(out.waveform.peaks).toHaveLength(1000);
    // A full-scale-ish sine: every slice peaks at the same level.
    const level = out.waveform.peaks[500]!;
    expect(level).toBeGreaterThan(0.05);
    expect(out.waveform.peaks.slice(5, -5).every((p) => Math.abs(p - level) < 0.02)).toBe(true);
  });

  it("folds odd layouts and rates: three channels at 7350 Hz become stereo at 48 kHz", async () => {
    const odd = await toneFile({ seconds: 2, sampleRate: 7_350, channels: 3, format: "flac", extension: "flac" });
    disposals.push(odd.dispose);
    const out = await renderer.render({ source: odd, stream: { kbps: 64, channels: 2, sampleRate: 48_000 }, deadline: later() });
    disposals.push(() => out.stream!.dispose());
    expect(await streamLine(out.stream!.path)).toMatch(/aac \(LC\).*48000 Hz, stereo/);
    expect(out.waveform.durationSeconds).toBeCloseTo(2, 1);
  });

  it("folds 5.1 at 96 kHz to stereo at 48 kHz, and keeps mono at an 11.025 kHz rate mono at 44.1", async () => {
    const surround = await toneFile({ seconds: 1, sampleRate: 96_000, channels: 6, format: "wav", extension: "wav", codec: "pcm_s24le" });
    const narrow = await toneFile({ seconds: 1, sampleRate: 11_025, channels: 1, format: "wav", extension: "wav" });
    disposals.push(surround.dispose, narrow.dispose);
    const wide = await renderer.render({ source: surround, stream: { kbps: 128, channels: 2, sampleRate: 48_000 }, deadline: later() });
    const mono = await renderer.render({ source: narrow, stream: { kbps: 64, channels: 1, sampleRate: 44_100 }, deadline: later() });
    disposals.push(() => wide.stream!.dispose(), () => mono.stream!.dispose());
    expect(await streamLine(wide.stream!.path)).toMatch(/aac \(LC\).*48000 Hz, stereo/);
    expect(await streamLine(mono.stream!.path)).toMatch(/aac \(LC\).*44100 Hz, mono/);
    expect(wide.waveform.durationSeconds).toBeCloseTo(1, 1);
    expect(mono.waveform.durationSeconds).toBeCloseTo(1, 1);
  });

  it("draws the waveform of two hours in bounded points, from the samples rather than the tags", async () => {
    const hours = await silentFlac(2 * 3600);
    disposals.push(hours.dispose);
    const out = await renderer.render({ source: hours, deadline: later(5 * 60_000) });
    expect(out.stream).toBeUndefined();
    expect(out.waveform.durationSeconds).toBeCloseTo(2 * 3600, 0);
    expect(out.waveform.peaks.length).toBeLessThanOrEqual(1000);
    expect(out.waveform.peaks.length).toBeGreaterThan(500);
    expect(out.waveform.peaks.every((p) => p === 0)).toBe(true);
  });

  it("draws a waveform alone when no stream is asked", async () => {
    const mp3 = await toneFile({ seconds: 1, format: "mp3", extension: "mp3", codec: "libmp3lame" });
    disposals.push(mp3.dispose);
    const out = await renderer.render({ source: mp3, deadline: later() });
    expect(out.stream).toBeUndefined();
    expect(out.waveform.peaks.length).toBeGreaterThan(500);
  });

  it("refuses corrupt audio and a track of zero samples with a reason, not a crash", async () => {
    const junk = await bytesFile(Buffer.concat([Buffer.from("fLaC"), Buffer.alloc(5000, 0x5a)]));
    const empty = await bytesFile(wavHeader(0, 44_100, 2));
    disposals.push(junk.dispose, empty.dispose);
    const corrupt = renderer.render({ source: junk, stream: { kbps: 128, channels: 2, sampleRate: 44_100 }, deadline: later() });
    await expect(corrupt).rejects.toBeInstanceOf(RenditionRefusedError);
    await expect(corrupt).rejects.toThrow(/damaged|could not be decoded/);
    await expect(renderer.render({ source: empty, deadline: later() })).rejects.toThrow(/no samples/);
  });

  it("kills ffmpeg at the deadline and says the file took too long", async () => {
    const wav = await toneFile({ seconds: 30, format: "wav", extension: "wav" });
    disposals.push(wav.dispose);
    await expect(renderer.render({ source: wav, stream: { kbps: 128, channels: 2, sampleRate: 48_000 }, deadline: Date.now() })).rejects.toThrow(/longer than the time/);
  });
});
