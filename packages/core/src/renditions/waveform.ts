import { WAVEFORM_RENDITION } from "./rendition-settings";

/** The waveform file's shape: what the player reads. */
export interface Waveform {
  version: 1;
  /** Seconds of audio the peaks cover (samples decoded over the decoding rate, not the tags' claim). */
  durationSeconds: number;
  /** Peak amplitude of each slice of equal duration, 0 (silence) to 1 (full scale), three decimals. */
  peaks: number[];
}

/**
 * Peaks of a stream of samples of unknown length in bounded memory: one running maximum per bucket of
 * `samplesPerBucket` samples; when the buckets reach twice the points wanted, neighbours are merged and
 * the bucket doubles. So hours of audio cost at most 2 × points numbers, and the result needs no
 * duration read in advance (which a tag may get wrong).
 */
export class PeakAccumulator {
  private readonly buckets: number[] = [];
  private samplesPerBucket = 1;
  private current = 0;
  private inCurrent = 0;
  private carry: number | undefined;
  private total = 0;

  constructor(
    private readonly sampleRate: number = WAVEFORM_RENDITION.sampleRate,
    private readonly points: number = WAVEFORM_RENDITION.points,
  ) {
    if (!Number.isInteger(points) || points < 1) throw new Error("points must be a positive integer");
  }

  /** Signed 16-bit little-endian mono samples, in chunks cut anywhere (even inside a sample). */
  addS16LE(chunk: Uint8Array): void {
    let offset = 0;
    if (this.carry !== undefined && chunk.length > 0) {
      this.add(toInt16(this.carry | (chunk[0]! << 8)));
      this.carry = undefined;
      offset = 1;
    }
    const end = chunk.length - ((chunk.length - offset) % 2);
    for (let i = offset; i < end; i += 2) this.add(toInt16(chunk[i]! | (chunk[i + 1]! << 8)));
    if (end < chunk.length) this.carry = chunk[end];
  }

  get samples(): number {
    return this.total;
  }

  finish(): Waveform {
    const all = this.inCurrent > 0 ? [...this.buckets, this.current] : [...this.buckets];
    return {
      version: 1,
      durationSeconds: Math.round((this.total / this.sampleRate) * 1000) / 1000,
      peaks: reduceTo(all, this.points).map((p) => Math.round((p / 32768) * 1000) / 1000),
    };
  }

  private add(sample: number): void {
    const magnitude = sample < 0 ? -sample : sample;
    if (magnitude > this.current) this.current = magnitude;
    this.total++;
    if (++this.inCurrent < this.samplesPerBucket) return;
    this.buckets.push(this.current);
    this.current = 0;
    this.inCurrent = 0;
    if (this.buckets.length >= 2 * this.points) {
      for (let i = 0; i < this.points; i++) this.buckets[i] = Math.max(this.buckets[2 * i]!, this.buckets[2 * i + 1]!);
      this.buckets.length = this.points;
      this.samplesPerBucket *= 2;
    }
  }
}

function toInt16(value: number): number {
  return value >= 0x8000 ? value - 0x10000 : value;
}

/** At most `points` values, each the maximum of an equal share of `values` (all of them when fewer). */
export function reduceTo(values: number[], points: number): number[] {
  if (values.length <= points) return values;
  const out: number[] = [];
  for (let i = 0; i < points; i++) {
    const from = Math.floor((i * values.length) / points);
    const to = Math.floor(((i + 1) * values.length) / points);
    let peak = 0;
    for (let j = from; j < to; j++) if (values[j]! > peak) peak = values[j]!;
    out.push(peak);
  }
  return out;
}
