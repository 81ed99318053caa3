import { describe, expect, it, vi } from "vitest";
import type { MediaFile, Me, PresignAnswer } from "../api/types";
import { UsageStore } from "../usage/usage-store";
import { UploadQueue, type UploadDeps } from "./upload-queue";

const png = (name: string, bytes: number) => new File([new Uint8Array(bytes)], name, { type: "image/png" });
const flush = () => new Promise((r) => setTimeout(r, 0));

/** GET /me for someone with `bytes` stored and `reservedBytes` held by pending uploads, of a 3000 B quota. */
function me(bytes: number, reservedBytes?: number): Me {
  // Without reservedBytes: as an API older than the app answered.
  const answer = { userId: "u", email: "u@example.com", usage: { files: 1, bytes, quotaBytes: 3000 }, limits: { maxFileBytes: 3000, quotaBytes: 3000 } } as Me;
  if (reservedBytes !== undefined) answer.usage.reservedBytes = reservedBytes;
  return answer;
}

/** The queue wired to a real UsageStore as services.ts wires them; the test decides each GET /me answer and each presign. */
function wired() {
  const answers: Me[] = [];
  const usage = new UsageStore(async () => answers.shift()!);
  const presigns: Array<(a: PresignAnswer) => void> = [];
  const deps: UploadDeps = {
    // The client's upload: the API's answer when the test gives it, then bytes that never finish.
    upload: vi.fn(async (_file, options) => {
      options.onAuthorised(await new Promise<PresignAnswer>((resolve) => presigns.push(resolve)));
      await new Promise<void>(() => undefined);
    }),
    settle: vi.fn(() => new Promise<MediaFile>(() => undefined)),
    discard: vi.fn(async () => undefined),
    limits: () => usage.limits(),
    limitsReady: () => usage.ready(),
    usageSequence: () => usage.sequence(),
  };
  const queue = new UploadQueue(deps);
  const outcome = () => queue.items.map((i) => (i.state.kind === "refused" ? i.state.reason : i.state.kind));
  return { usage, answers, presigns, queue, deps, outcome };
}

const accept = (fileId: string): PresignAnswer => ({ message: "", fileId, key: `k/${fileId}`, upload: { url: "http://storage.test", fields: {}, expiresAt: "" }, maxBytes: 3000 });

describe("the quota left counts bytes reserved by pending uploads (GET /me usage.reservedBytes)", () => {
  it("leaves quota − stored − reserved, and refuses what does not fit in it", async () => {
    const h = wired();
    h.answers.push(me(1000, 1500));
    await h.usage.refresh();
    expect(h.usage.limits().remainingBytes).toBe(500);
    h.queue.add([png("too-big.png", 600), png("fits.png", 400)]);
    expect(h.outcome()).toEqual(["Not enough space: this file is 600 B and 500 B is left. Delete some files to make room.", "uploading"]);
  });

  it("reads an older API without reservedBytes as nothing reserved", async () => {
    const h = wired();
    h.answers.push(me(1000));
    await h.usage.refresh();
    expect(h.usage.limits()).toEqual({ remainingBytes: 2000, maxFileBytes: 3000 });
  });

  it("does not count an upload twice once GET /me reserves its bytes", async () => {
    const h = wired();
    h.answers.push(me(1000, 0));
    await h.usage.refresh();
    h.queue.add([png("first.png", 1500)]);
    h.presigns[0]!(accept("F1"));
    await flush();
    // Answered before the API accepted it: first.png is counted by the queue (2000 − 1500 leaves 500).
    h.queue.add([png("early.png", 600)]);
    expect(h.outcome()[1]).toBe("Not enough space: this file is 600 B and 500 B is left. Delete some files to make room.");
    // Asked after: its 1500 bytes are in reservedBytes, and counted there only.
    h.answers.push(me(1000, 1500));
    await h.usage.refresh();
    h.queue.add([png("late.png", 500)]);
    expect(h.outcome()[2]).toBe("uploading");
  });
});
