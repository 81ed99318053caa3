// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, errorFromResponse } from "../api/errors";
import type { MediaFile, Me, PresignAnswer } from "../api/types";
import { UploadQueue, type UploadDeps } from "../upload/upload-queue";
import { UsageStore } from "../usage/usage-store";
import { UploadArea } from "./Upload";

afterEach(cleanup);

function fakeDeps(overrides: Partial<UploadDeps> = {}) {
  let clock = 0;
  const progress: Array<(l: number, t: number) => void> = [];
  const finish: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const verdicts: Array<(f: MediaFile) => void> = [];
  const deps: UploadDeps = {
    // The client's upload: authorised at once, then bytes whose end the test decides.
    upload: vi.fn(async (file, options) => {
      options.onAuthorised({ message: "", fileId: `F${file.name}`, key: "k", upload: { url: "http://s", fields: {}, expiresAt: "" }, maxBytes: file.size } satisfies PresignAnswer);
      progress.push(options.onProgress);
      await new Promise<void>((resolve, reject) => {
        finish.push({ resolve, reject });
        options.signal.addEventListener("abort", () => reject(new AbortedError()));
      });
    }),
    settle: vi.fn(() => new Promise<MediaFile>((resolve) => verdicts.push(resolve))),
    discard: vi.fn(async () => undefined),
    limits: () => ({ remainingBytes: 1000, maxFileBytes: 500 }),
    now: () => clock,
    ...overrides,
  };
  return { deps, progress, finish, verdicts, tick: (ms: number) => (clock += ms) };
}

const settle = () => act(() => new Promise((r) => setTimeout(r, 0)));

function pick(files: File[]) {
  const input = screen.getByLabelText("Choose files to upload") as HTMLInputElement;
  Object.defineProperty(input, "files", { value: files, configurable: true });
  fireEvent.change(input);
}

describe("<UploadArea>", () => {
  it("offers a labelled picker that accepts only the allowed types, and states the limits", () => {
    const { deps } = fakeDeps();
    const queue = new UploadQueue(deps);
    render(<UploadArea queue={queue} limits={{ remainingBytes: 5 * 1024 ** 3, maxFileBytes: 2 * 1024 ** 3 }} />);
    const input = screen.getByLabelText("Choose files to upload") as HTMLInputElement;
    expect(input.multiple).toBe(true);
    expect(input.accept).toContain("image/png");
    expect(input.accept).toContain("audio/flac");
    expect(input.accept).not.toContain("svg");
    expect(screen.getByRole("button", { name: "Choose files" })).toBeTruthy();
    expect(screen.getByText(/up to 2 GiB each · 5 GiB free/)).toBeTruthy();
  });

  it("shows each picked file with its own state: refused ones say why before anything is sent", async () => {
    const { deps } = fakeDeps();
    const queue = new UploadQueue(deps);
    render(<UploadArea queue={queue} limits={deps.limits()} />);
    pick([new File(["<svg/>"], "logo.svg", { type: "image/svg+xml" }), new File([new Uint8Array(600)], "huge.png", { type: "image/png" }), new File([new Uint8Array(100)], "cat.png", { type: "image/png" })]);
    await settle();
    const rows = screen.getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("data-state"))).toEqual(["refused", "refused", "uploading"]);
    expect(rows[0]!.textContent).toContain("Not uploaded: image/svg+xml files are not accepted.");
    expect(rows[1]!.textContent).toContain("Not uploaded: This file is 600 B; files can be at most 500 B.");
    expect(deps.upload).toHaveBeenCalledTimes(1);
    // Refused rows can be dismissed, moving ones cancelled.
    expect(within(rows[0]!).getByRole("button", { name: "Remove logo.svg from the list" })).toBeTruthy();
    expect(within(rows[2]!).getByRole("button", { name: "Cancel upload of cat.png" })).toBeTruthy();
  });

  it("states the limits GET /me gives and refuses what exceeds them before anything is sent", async () => {
    const me: Me = { userId: "u", email: "u@example.com", usage: { files: 3, bytes: 4 * 1024 ** 3, reservedBytes: 0, quotaBytes: 5 * 1024 ** 3 }, limits: { maxFileBytes: 2 * 1024 ** 3, quotaBytes: 5 * 1024 ** 3 } };
    const usage = new UsageStore(async () => me);
    await usage.refresh();
    const { deps } = fakeDeps({ limits: () => usage.limits(), limitsReady: () => usage.ready() });
    const queue = new UploadQueue(deps);
    render(<UploadArea queue={queue} limits={usage.limits()} />);
    expect(screen.getByText(/up to 2 GiB each · 1 GiB free/)).toBeTruthy();
    // Sizes only: a File whose size is read from a stub keeps the test from allocating gigabytes.
    const sized = (name: string, size: number) => Object.defineProperty(new File(["x"], name, { type: "image/png" }), "size", { value: size });
    pick([sized("panorama.png", 3 * 1024 ** 3), sized("poster.png", 1.5 * 1024 ** 3), sized("cat.png", 1024)]);
    await settle();
    const rows = screen.getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("data-state"))).toEqual(["refused", "refused", "uploading"]);
    expect(rows[0]!.textContent).toContain("Not uploaded: This file is 3 GiB; files can be at most 2 GiB.");
    expect(rows[1]!.textContent).toContain("Not uploaded: Not enough space: this file is 1.5 GiB and 1 GiB is left. Delete some files to make room.");
    expect(within(rows[1]!).getByText(/Not enough space/).getAttribute("aria-live")).toBe("assertive");
    expect((deps.upload as ReturnType<typeof vi.fn>).mock.calls.map(([file]) => file.name)).toEqual(["cat.png"]);
  });

  it("shows progress, speed and time left, then processing, then ready", async () => {
    const h = fakeDeps();
    const queue = new UploadQueue(h.deps);
    render(<UploadArea queue={queue} limits={h.deps.limits()} />);
    pick([new File([new Uint8Array(400)], "song.mp3", { type: "audio/mpeg" })]);
    await settle();
    await act(() => {
      h.tick(2000);
      h.progress[0]!(200, 400);
    });
    const bar = screen.getByRole("progressbar", { name: "Uploading song.mp3" }) as HTMLProgressElement;
    expect(bar.value).toBe(200);
    expect(bar.max).toBe(400);
    expect(screen.getByText("50% · 200 B of 400 B · 100 B/s · about 2 s left")).toBeTruthy();

    await act(() => h.finish[0]!.resolve());
    await settle();
    expect(screen.getByText("Uploaded. Checking the file…")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Cancel/ })).toBeNull();

    await act(() => h.verdicts[0]!({ fileId: "Fsong.mp3", fileName: "song.mp3", contentType: "audio/mpeg", size: 400, status: "ready", uploadedAt: "", metadata: {} }));
    await settle();
    // Done well: its row folds into the one summary line, which can be hidden at once.
    expect(screen.queryByRole("listitem")).toBeNull();
    expect(screen.getByText("song.mp3 is ready")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Hide finished uploads" }));
    expect(screen.queryByText("song.mp3 is ready")).toBeNull();
    expect(queue.items).toEqual([]);
  });

  it("folds a finished batch into one line that goes away on its own, keeps the problems, and tells the batch once", async () => {
    const h = fakeDeps();
    const queue = new UploadQueue(h.deps);
    const pendingTimers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
    const timers = {
      set: (fn: () => void, ms: number) => {
        const t = { fn, ms, cleared: false };
        pendingTimers.push(t);
        return t;
      },
      clear: (t: unknown) => void ((t as { cleared: boolean }).cleared = true),
    };
    const told: string[] = [];
    render(<UploadArea queue={queue} limits={h.deps.limits()} timers={timers} onBatchDone={(s) => told.push(`${s.tone}: ${s.text}`)} />);
    const names = ["a.png", "b.png", "c.png", "d.png"];
    pick(names.map((n) => new File([new Uint8Array(10)], n, { type: "image/png" })));
    await settle();
    for (const f of h.finish.slice(0, 3)) await act(() => f.resolve());
    await settle();
    await settle();
    await act(() => h.finish[3]?.resolve());
    await settle();
    const view = (n: string, status: "ready" | "rejected"): MediaFile => ({ fileId: `F${n}`, fileName: n, contentType: "image/png", size: 10, status, uploadedAt: "", metadata: {}, ...(status === "rejected" ? { rejectionReason: "not an image" } : {}) });
    await act(() => h.verdicts[0]!(view("a.png", "ready")));
    await act(() => h.verdicts[1]!(view("b.png", "ready")));
    await settle();
    // Mid-batch: what is done is one line, nothing is told yet, nothing is timed out yet.
    expect(screen.getByText("2 files ready")).toBeTruthy();
    expect(told).toEqual([]);
    expect(pendingTimers.filter((t) => !t.cleared)).toEqual([]);

    await act(() => h.verdicts[2]!(view("c.png", "rejected")));
    await act(() => h.verdicts[3]!(view("d.png", "ready")));
    await settle();
    expect(told).toEqual(["error: 3 files ready, 1 rejected"]);
    expect(screen.getByText("3 files ready")).toBeTruthy();
    const rows = screen.getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("data-name"))).toEqual(["c.png"]);

    const live = pendingTimers.filter((t) => !t.cleared);
    expect(live.map((t) => t.ms)).toEqual([5000]);
    await act(() => live[0]!.fn());
    expect(screen.queryByText("3 files ready")).toBeNull();
    // The rejection stays until it is read and dismissed; the batch is not told again.
    expect(screen.getByRole("listitem").getAttribute("data-name")).toBe("c.png");
    expect(told).toHaveLength(1);
  });

  it("cancels an upload from its row", async () => {
    const h = fakeDeps();
    const queue = new UploadQueue(h.deps);
    render(<UploadArea queue={queue} limits={h.deps.limits()} />);
    pick([new File([new Uint8Array(10)], "a.wav", { type: "audio/wav" })]);
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Cancel upload of a.wav" }));
    await settle();
    // A cancel needs no reading: it folds into the summary line like a finished upload.
    expect(screen.queryByRole("listitem")).toBeNull();
    expect(screen.getByText("a.wav is cancelled")).toBeTruthy();
    // The send was aborted mid-way: the client gives its reservation back, so the queue sends no DELETE of its own.
    expect(vi.mocked(h.deps.upload).mock.calls[0]![1].signal.aborted).toBe(true);
    expect(h.deps.discard).not.toHaveBeenCalled();
  });

  it("shows a storage refusal and a rejection with their reasons", async () => {
    const h = fakeDeps();
    const queue = new UploadQueue(h.deps);
    render(<UploadArea queue={queue} limits={h.deps.limits()} />);
    pick([new File([new Uint8Array(10)], "a.png", { type: "image/png" }), new File([new Uint8Array(10)], "b.png", { type: "image/png" })]);
    await settle();
    await act(() => h.finish[0]!.reject(errorFromResponse(403, "application/xml", "<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>", "storage")));
    await act(() => h.finish[1]!.resolve());
    await settle();
    await act(() => h.verdicts[0]!({ fileId: "Fb.png", fileName: "b.png", contentType: "image/png", size: 10, status: "rejected", rejectionReason: "stored size 11 exceeds the declared 10", uploadedAt: "", metadata: {} }));
    await settle();
    const [a, b] = screen.getAllByRole("listitem");
    expect(a!.textContent).toContain("Failed: Storage refused the upload: its permission expired or did not match the file. Try again.");
    expect(b!.textContent).toContain("Rejected: stored size 11 exceeds the declared 10");
  });

  it("takes files dropped anywhere on the page", async () => {
    const h = fakeDeps();
    const queue = new UploadQueue(h.deps);
    render(<UploadArea queue={queue} limits={h.deps.limits()} />);
    const file = new File([new Uint8Array(10)], "dropped.png", { type: "image/png" });
    const drop = new Event("drop", { bubbles: true, cancelable: true }) as Event & { dataTransfer: unknown };
    drop.dataTransfer = { types: ["Files"], files: [file] };
    await act(() => {
      document.body.dispatchEvent(drop);
    });
    await settle();
    expect(drop.defaultPrevented).toBe(true);
    expect(screen.getByRole("listitem").getAttribute("data-name")).toBe("dropped.png");
  });

  it("speaks of dropping files only where there is a mouse to drag them with (pointer: coarse)", () => {
    const { deps } = fakeDeps();
    vi.stubGlobal("matchMedia", (query: string) => ({ matches: query === "(pointer: coarse)", addEventListener() {}, removeEventListener() {} }));
    try {
      render(<UploadArea queue={new UploadQueue(deps)} limits={deps.limits()} />);
      expect(screen.getByRole("button", { name: "Choose files" })).toBeTruthy();
      expect(screen.getByText("Add photos or audio")).toBeTruthy();
      expect(screen.queryByText(/Drop/)).toBeNull();
    } finally {
      vi.unstubAllGlobals();
    }
    cleanup();
    render(<UploadArea queue={new UploadQueue(deps)} limits={deps.limits()} />);
    expect(screen.getByText("Drop images or audio here")).toBeTruthy();
  });
});
