import { describe, expect, it } from "vitest";
import { planRenditions, type PlanInput } from "./rendition-plan";
import { STREAM_RENDITION } from "./rendition-settings";

const audio = (contentType: string, metadata: PlanInput["metadata"], size = 5_000_000): PlanInput => ({ kind: "audio", contentType, size, metadata });
const image = (metadata: PlanInput["metadata"]): PlanInput => ({ kind: "image", contentType: "image/jpeg", size: 1_000_000, metadata });

describe("planRenditions", () => {
  it("streams lossless and browser-unfriendly audio as AAC, at most 128 kb/s stereo, 64 mono", () => {
    expect(planRenditions(audio("audio/wav", { channels: 2, bitrate: 1_411_200, durationSeconds: 600, sampleRate: 44_100 }))).toMatchObject({ stream: { kbps: 128, channels: 2, sampleRate: 44_100 }, waveform: true, preview: false });
    expect(planRenditions(audio("audio/flac", { channels: 1, durationSeconds: 60 }, 3_000_000))).toMatchObject({ stream: { kbps: 64, channels: 1, sampleRate: 48_000 }, waveform: true });
    // Six channels are folded to stereo.
    expect(planRenditions(audio("audio/wav", { channels: 6, bitrate: 4_608_000, sampleRate: 96_000 })).stream).toEqual({ kbps: 128, channels: 2, sampleRate: 48_000 });
    // Odd rates go to the nearest family: 22.05 kHz to 44.1, 7.35 kHz (not a power-of-two multiple) to 48.
    expect(planRenditions(audio("audio/wav", { channels: 1, sampleRate: 22_050 })).stream?.sampleRate).toBe(44_100);
    expect(planRenditions(audio("audio/wav", { channels: 1, sampleRate: 7_350 })).stream?.sampleRate).toBe(48_000);
  });

  it("never spends more bits than the original had", () => {
    expect(planRenditions(audio("audio/ogg", { channels: 2, bitrate: 80_000, codec: "Vorbis I" })).stream).toMatchObject({ kbps: 80, channels: 2 });
    expect(planRenditions(audio("audio/webm", { channels: 2, bitrate: 32_000, codec: "OPUS" })).stream).toMatchObject({ kbps: 64, channels: 2 });
  });

  it("leaves MP3 and AAC in MP4 alone unless their bitrate is high, but draws every waveform", () => {
    expect(planRenditions(audio("audio/mpeg", { bitrate: 128_000 }))).toMatchObject({ waveform: true, preview: false });
    expect(planRenditions(audio("audio/mpeg", { bitrate: 128_000 })).stream).toBeUndefined();
    expect(planRenditions(audio("audio/mp4", { codec: "MPEG-4/AAC" }, 1_000_000)).stream).toBeUndefined();
    expect(planRenditions(audio("audio/mpeg", { bitrate: 320_000, channels: 2 })).stream).toMatchObject({ kbps: 128, channels: 2 });
    // ALAC in MP4 plays in Safari only.
    expect(planRenditions(audio("audio/mp4", { codec: "ALAC", channels: 2 })).stream).toMatchObject({ kbps: 128, channels: 2 });
    // No bitrate in the tags: size over duration (20 MB for 60 s is 2.7 Mb/s).
    expect(planRenditions(audio("audio/mp4", { codec: "MPEG-4/AAC", durationSeconds: 60 }, 20_000_000)).stream).toBeDefined();
  });

  it("makes no stream of audio longer than the function can encode, and says why", () => {
    const plan = planRenditions(audio("audio/flac", { durationSeconds: STREAM_RENDITION.maxSeconds + 1 }));
    expect(plan.stream).toBeUndefined();
    expect(plan.waveform).toBe(true);
    expect(plan.notes.join(" ")).toMatch(/longer than 4 hours/);
  });

  it("previews images over 1600 px and any HEIC, never GIFs", () => {
    expect(planRenditions(image({ width: 4000, height: 3000, format: "jpeg" })).preview).toBe(true);
    expect(planRenditions(image({ width: 1200, height: 1601, format: "png" })).preview).toBe(true);
    expect(planRenditions(image({ width: 1600, height: 1200, format: "jpeg" })).preview).toBe(false);
    expect(planRenditions(image({ width: 800, height: 600, format: "heif" })).preview).toBe(true);
    // As the indexer names a HEIC (file-type's "heic"), small as it may be.
    expect(planRenditions(image({ width: 96, height: 64, format: "heic" })).preview).toBe(true);
    expect(planRenditions(image({ width: 5000, height: 5000, format: "gif" })).preview).toBe(false);
    expect(planRenditions(image({ width: 5000, height: 5000, format: "jpeg" })).waveform).toBe(false);
  });
});
