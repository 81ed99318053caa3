import { mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { RenditionRefusedError, type AudioRenderer, type AudioRendering, type LocalFile } from "@media/core/renditions/ports";
import { WAVEFORM_RENDITION } from "@media/core/renditions/rendition-settings";
import { PeakAccumulator } from "@media/core/renditions/waveform";
import { log } from "../log";
import { FfmpegFailedError, runFfmpeg } from "./ffmpeg";

/**
 * One ffmpeg run decodes the original once and writes both outputs: the stream rendition (AAC-LC in MP4,
 * index first so playback and seeking start at once, no tags or cover: the original keeps them) to a
 * temporary file, and 8 kHz mono PCM to its stdout, read into the waveform's peaks as it comes. The first
 * audio stream only: video, pictures and subtitles are left out (`-vn -sn -dn`).
 */
/** `scratchDir`: where the stream rendition is written before it is uploaded (config.ts, SCRATCH_DIR). */
export function createAudioRenderer({ scratchDir }: { scratchDir: string }): AudioRenderer {
  return {
    async render({ source, stream, deadline }): Promise<AudioRendering> {
      const dir = await mkdtemp(join(scratchDir, "rendition-"));
      const out = join(dir, "stream.m4a");
      const peaks = new PeakAccumulator();
      const args = ["-i", source.path];
      if (stream) {
        args.push("-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1", "-c:a", "aac", "-b:a", `${stream.kbps}k`, "-ac", String(stream.channels), "-ar", String(stream.sampleRate), "-movflags", "+faststart", "-f", "mp4", out);
      }
      args.push("-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", String(WAVEFORM_RENDITION.sampleRate), "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1");
      try {
        await runFfmpeg({ args, deadline, onStdout: (chunk) => peaks.addS16LE(chunk) }).catch((error: unknown) => {
          if (error instanceof FfmpegFailedError) {
            // The tail names the temporary paths and ffmpeg's view of the bytes: for the log, not the owner.
            log.warn("ffmpeg refused the audio", { exitCode: error.exitCode, stderr: error.stderrTail.slice(-1000) });
            throw new RenditionRefusedError(reasonOf(error.stderrTail), { cause: error });
          }
          throw error;
        });
        if (peaks.samples === 0) throw new RenditionRefusedError("The audio holds no samples: there is nothing to play or draw.");
        const rendering: AudioRendering = { waveform: peaks.finish() };
        if (stream) rendering.stream = { path: out, bytes: (await stat(out)).size, dispose: () => rm(dir, { recursive: true, force: true }) };
        else await rm(dir, { recursive: true, force: true });
        return rendering;
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    },
  };
}

/** What to tell the owner, from what ffmpeg said (never its words: they name our paths). */
function reasonOf(stderr: string): string {
  if (/matches no streams|does not contain any stream/i.test(stderr)) return "The file holds no audio stream to play.";
  if (/Invalid data found|could not find codec parameters|moov atom not found|Invalid argument|error while decoding|Header missing/i.test(stderr)) {
    return "The audio is damaged or incomplete and could not be decoded.";
  }
  return "The audio could not be decoded.";
}
