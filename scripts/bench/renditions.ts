import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import type { LocalFile } from "@media/core/renditions/ports";
import { planRenditions } from "@media/core/renditions/rendition-plan";
import { createAudioRenderer } from "@media/functions/renditions/audio-renderer";
import { ffmpegPath } from "@media/functions/renditions/ffmpeg";
import { createImagePreviewer } from "@media/functions/renditions/image-previewer";
import type { BenchResult } from "./report";

/**
 * Issue 18's figures: the stream rendition's speed as a multiple of real time for a 10-minute WAV and
 * FLAC, with ffmpeg's peak memory; the waveform of a 1-hour file; a preview of a 12 MP JPEG. The encoders
 * are the renditions function's own, on files made here with the same ffmpeg (a chord with noise, so the
 * encoders have work to do). Peak memory is ffmpeg's VmHWM, sampled from /proc while it runs.
 */
const exec = promisify(execFile);

export async function run(options: { parentDir?: string; minutes?: number } = {}): Promise<BenchResult> {
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), "bench-renditions-"));
  const minutes = options.minutes ?? 10;
  try {
    const source = "aevalsrc=0.3*sin(2*PI*220*t)+0.2*sin(2*PI*277*t)+0.1*sin(2*PI*330*t)+0.05*(random(0)-0.5)";
    const make = async (name: string, seconds: number, args: string[]) => {
      const path = join(dir, name);
      await exec(ffmpegPath(), ["-v", "error", "-y", "-f", "lavfi", "-i", `${source}:s=44100:c=stereo:d=${seconds}`, "-ac", "2", ...args, path]);
      return local(path);
    };
    const wav = await make("ten.wav", minutes * 60, ["-c:a", "pcm_s16le"]);
    const flac = await make("ten.flac", minutes * 60, ["-c:a", "flac"]);
    const hour = await make("hour.flac", 3600, ["-c:a", "flac"]);
    const renderer = createAudioRenderer({ scratchDir: dir });
    const stream = planRenditions({ kind: "audio", contentType: "audio/wav", size: wav.bytes, metadata: { channels: 2, sampleRate: 44_100, durationSeconds: minutes * 60 } }).stream!;
    const encode = async (file: LocalFile, withStream: boolean) => {
      const sampler = sampleChildPeak();
      const started = performance.now();
      const out = await renderer.render(withStream ? { source: file, stream, deadline: Date.now() + 3_600_000 } : { source: file, deadline: Date.now() + 3_600_000 });
      const seconds = (performance.now() - started) / 1000;
      const peak = sampler.stop();
      await out.stream?.dispose();
      return { seconds, peak, duration: out.waveform.durationSeconds };
    };
    const w = await encode(wav, true);
    const f = await encode(flac, true);
    const h = await encode(hour, false);

    const jpegPath = join(dir, "twelve.jpg");
    await writeFile(jpegPath, await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer());
    const jpeg = await local(jpegPath);
    const previewer = createImagePreviewer();
    const runs = 3;
    const started = performance.now();
    for (let i = 0; i < runs; i++) await previewer.preview({ source: jpeg, format: "jpeg", deadline: Date.now() + 60_000 });
    const previewSeconds = (performance.now() - started) / 1000 / runs;

    const mib = (bytes: number) => bytes / 1024 / 1024;
    return {
      name: "renditions",
      figures: [
        { label: `${minutes}-min WAV (44.1 kHz stereo) to AAC stream + waveform`, value: w.duration / w.seconds, unit: "× real time", digits: 1 },
        { label: `  ffmpeg peak RSS`, value: mib(w.peak), unit: "MiB", digits: 1 },
        { label: `${minutes}-min FLAC to AAC stream + waveform`, value: f.duration / f.seconds, unit: "× real time", digits: 1 },
        { label: `  ffmpeg peak RSS`, value: mib(f.peak), unit: "MiB", digits: 1 },
        { label: "waveform of a 1-hour FLAC", value: h.seconds, unit: "s", digits: 1 },
        { label: "1600 px WebP preview of a 12 MP JPEG", value: previewSeconds * 1000, unit: "ms", digits: 0 },
      ],
      notes: [
        `stream: AAC-LC ${stream.kbps} kb/s ${stream.channels === 2 ? "stereo" : "mono"} at ${stream.sampleRate} Hz, one ffmpeg run that also writes the 8 kHz mono PCM for the peaks`,
        `WAV ${mib(wav.bytes).toFixed(0)} MiB, FLAC ${mib(flac.bytes).toFixed(0)} MiB, 1-hour FLAC ${mib(hour.bytes).toFixed(0)} MiB; the preview is the mean of ${runs} runs`,
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function local(path: string): Promise<LocalFile> {
  return { path, bytes: (await stat(path)).size, dispose: async () => undefined };
}

/** The highest VmHWM among this process's children (ffmpeg) seen until stop(), read every 50 ms. */
function sampleChildPeak(): { stop(): number } {
  let peak = 0;
  const look = async () => {
    for (const task of await readdir("/proc/self/task").catch(() => [] as string[])) {
      const children = (await readFile(`/proc/self/task/${task}/children`, "utf8").catch(() => "")).trim().split(/\s+/).filter(Boolean);
      for (const pid of children) {
        const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (kb * 1024 > peak) peak = kb * 1024;
      }
    }
  };
  const timer = setInterval(() => void look(), 50);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
