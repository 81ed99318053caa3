import { describe, expect, it } from "vitest";
import { PeakAccumulator, reduceTo } from "./waveform";

function s16(samples: number[]): Buffer {
  const buffer = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => buffer.writeInt16LE(s, i * 2));
  return buffer;
}

describe("PeakAccumulator", () => {
  it("keeps the loudest sample of each slice, at exactly the points asked for, in bounded memory", () => {
    const acc = new PeakAccumulator(100, 10);
    // 10 seconds at 100 Hz: slice i is silent but for one sample of amplitude (i + 1) * 1000.
    const samples = Array.from({ length: 1000 }, (_, n) => (n % 100 === 37 ? -((Math.floor(n / 100) + 1) * 1000) : 0));
    acc.addS16LE(s16(samples));
    const waveform = acc.finish();
    expect(waveform.durationSeconds).toBe(10);
    expect(waveform.peaks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => Math.round(((k * 1000) / 32768) * 1000) / 1000));
  });

  it("reads samples split across chunks at odd offsets", () => {
    const whole = new PeakAccumulator(8, 4);
    const split = new PeakAccumulator(8, 4);
    const bytes = s16([100, -32768, 5, 7, 32767, 0, -3, 9]);
    whole.addS16LE(bytes);
    for (const [from, to] of [[0, 3], [3, 4], [4, 11], [11, 16]] as const) split.addS16LE(bytes.subarray(from, to));
    expect(split.finish()).toEqual(whole.finish());
    expect(whole.finish().peaks).toEqual([1, 0.0, 1, 0]);
  });

  it("gives silence and nothing for no samples", () => {
    const acc = new PeakAccumulator();
    expect(acc.finish()).toEqual({ version: 1, durationSeconds: 0, peaks: [] });
    acc.addS16LE(Buffer.alloc(16_000 * 2));
    expect(acc.finish()).toMatchObject({ durationSeconds: 2 });
    expect(acc.finish().peaks.every((p) => p === 0)).toBe(true);
  });
});

describe("reduceTo", () => {
  it("takes the maximum of equal shares", () => {
    expect(reduceTo([1, 5, 2, 2, 9, 0], 3)).toEqual([5, 2, 9]);
    expect(reduceTo([1, 2], 5)).toEqual([1, 2]);
  });
});
