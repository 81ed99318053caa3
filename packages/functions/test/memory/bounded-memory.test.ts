import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { AUDIO_HEADER_MAX_BYTES } from "../../src/media/audio";
import { DECODE_MEMORY_BYTES } from "../../src/media/decode-budget";

/**
 * Hostile files up to hundreds of megabytes, inspected each in a child process of its own that reports
 * how far its resident memory rose (inspect-child.ts): memory follows the budgets, never the file, and
 * every file gets an answer (described, perhaps without a part, or refused with a reason), never a throw.
 */
const CHILD = fileURLToPath(new URL("./inspect-child.ts", import.meta.url));
const MiB = 1024 * 1024;
/** What reading one audio file's headers may add, whatever the file: its header budget, copied a few times on the way. */
const AUDIO_CEILING_MIB = 128;

type Outcome = { ok: true; metadata: Record<string, unknown>; thumbnail?: number } | { ok: false; reason: string } | { thrown: string };

async function inspectInChild(name: string): Promise<{ outcomes: Outcome[]; riseMiB: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", CHILD, name], { maxBuffer: 16 * MiB });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { outcomes: Outcome[]; riseMiB: number };
}

/**
 * Several cases at once, each in its process: a process's peak is its own, so they do not disturb each
 * other's figures, and the test waits for the slowest rather than for all of them in turn.
 */
async function inspectEachInChild(names: string[]): Promise<Array<[string, Awaited<ReturnType<typeof inspectInChild>>]>> {
  return Promise.all(names.map(async (name) => [name, await inspectInChild(name)] as [string, Awaited<ReturnType<typeof inspectInChild>>]));
}

describe("audio: memory follows the budgets, not the file", () => {
  it("a FLAC of 640 MiB of pictures: only the front cover is read, and becomes the thumbnail; a picture that lies about its length or is cut short is left out", async () => {
    const [bomb, ...others] = await inspectEachInChild(["flac-cover-bomb", "flac-lying-picture", "flac-truncated-in-cover"]);
    const [, { outcomes, riseMiB }] = bomb!;
    expect(outcomes[0]).toMatchObject({ ok: true, metadata: { format: "flac", sampleRate: 44100, channels: 2, durationSeconds: 1 } });
    expect((outcomes[0] as { thumbnail?: number }).thumbnail).toBeGreaterThan(0);
    expect(riseMiB).toBeLessThan(AUDIO_CEILING_MIB);
    for (const [name, { outcomes, riseMiB }] of others) {
      expect(outcomes[0], name).toMatchObject({ ok: true, metadata: { format: "flac" } });
      expect((outcomes[0] as { thumbnail?: number }).thumbnail, name).toBeUndefined();
      expect(riseMiB, name).toBeLessThan(AUDIO_CEILING_MIB);
    }
  });

  it("an MP3 behind 512 MiB of ID3 pictures, or of ID3 text: described from its audio, without the tags", async () => {
    for (const [name, { outcomes, riseMiB }] of await inspectEachInChild(["mp3-cover-bomb", "mp3-text-bomb"])) {
      expect(outcomes[0], name).toMatchObject({ ok: true, metadata: { format: "mpeg", sampleRate: 22050, channels: 1 } });
      expect((outcomes[0] as { metadata: Record<string, unknown> }).metadata.title, name).toBeUndefined();
      expect(riseMiB, name).toBeLessThan(AUDIO_CEILING_MIB);
    }
  });

  it("a FLAC of 480 MiB of comments and an M4A of 384 MiB of covers: refused, saying why", async () => {
    const reason = `The file's headers and tags are larger than ${AUDIO_HEADER_MAX_BYTES / MiB} MiB, the most that is read.`;
    for (const [name, { outcomes, riseMiB }] of await inspectEachInChild(["flac-comment-bomb", "m4a-cover-bomb"])) {
      expect(outcomes[0], name).toEqual({ ok: false, reason });
      expect(riseMiB, name).toBeLessThan(AUDIO_CEILING_MIB);
    }
  });
});

describe("images: decoding memory is shared out, whatever the batch holds", () => {
  it("four tiny GIFs declaring 60 MP each, inspected at once, never hold more than the decoding budget", async () => {
    const { outcomes, riseMiB } = await inspectInChild("gif-bombs-together");
    expect(outcomes).toEqual(Array.from({ length: 4 }, () => ({ ok: false, reason: "The image is damaged or incomplete and could not be read." })));
    // Each one's frame is 240 MB: two at once would already be over the budget.
    expect(riseMiB).toBeLessThan(DECODE_MEMORY_BYTES / MiB);
  });
});
