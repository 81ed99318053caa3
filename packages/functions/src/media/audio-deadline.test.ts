import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { wav } from "@media/testing/media-samples";
import { AUDIO_PARSE_SECONDS, describeAudio } from "./audio";
import { rangeBlob } from "./range-blob";

/**
 * The audio time budget, with a clock the storage moves: every ranged read takes `secondsPerRead` of
 * the clock's time, as a slow or stalled store would, without the test waiting for it.
 */
function describeOverSlowStorage(bytes: Buffer, secondsPerRead: number) {
  let now = Date.parse("2026-12-04T12:00:00Z");
  const clock = { now: () => now };
  const blob = rangeBlob(bytes.length, async (start, end) => {
    now += secondsPerRead * 1000;
    return bytes.subarray(start, end + 1);
  });
  return describeAudio(blob, "wav", { contentType: "audio/wav", audioOnly: true, open: async () => Readable.from([bytes]), clock });
}

describe("audio: the time budget", () => {
  it("refuses a file whose headers cannot be read within the budget, saying why", async () => {
    const result = await describeOverSlowStorage(wav(1), AUDIO_PARSE_SECONDS + 5);
    expect(result).toEqual({ ok: false, reason: `The file's headers could not be read within ${AUDIO_PARSE_SECONDS} seconds.` });
  });

  it("describes the same file when storage answers inside the budget", async () => {
    const result = await describeOverSlowStorage(wav(1), 1);
    expect(result).toMatchObject({ ok: true, metadata: { format: "wav", sampleRate: 22050, channels: 1, durationSeconds: 1 } });
  });
});
