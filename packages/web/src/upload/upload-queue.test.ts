import { UploadCancelledError } from "@media/client";
import { describe, expect, it, vi } from "vitest";
import { AbortedError, AppError, errorFromResponse } from "../api/errors";
import type { MediaFile, PresignAnswer } from "../api/types";
import type { Me } from "../api/types";
import { UsageStore } from "../usage/usage-store";
import { UnfinishedUploads } from "./unfinished-uploads";
import { UploadQueue, type UploadDeps, type UploadItem, type UploadState } from "./upload-queue";

/** A promise whose outcome the test decides. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function presignAnswer(fileId: string): PresignAnswer {
  return { message: "ok", fileId, key: `users/u/${fileId}`, upload: { url: "http://storage.test/bucket", fields: { key: `users/u/${fileId}`, "Content-Type": "image/png" }, expiresAt: "2030-01-01T00:00:00Z" }, maxBytes: 10 };
}

function readyFile(fileId: string, name: string, status: MediaFile["status"] = "ready", rejectionReason?: string): MediaFile {
  const f: MediaFile = { fileId, fileName: name, contentType: "image/png", size: 10, status, uploadedAt: "2030-01-01T00:00:00Z", metadata: {} };
  if (rejectionReason) f.rejectionReason = rejectionReason;
  return f;
}

/** A queue with every dependency faked and every call recorded; the test drives each step. */
function harness(overrides: Partial<UploadDeps> = {}, limits: { remainingBytes?: number; maxFileBytes?: number } = {}) {
  let clock = 0;
  let n = 0;
  const presigns: Array<{ input: { fileName: string; contentType: string; size: number }; d: ReturnType<typeof deferred<PresignAnswer>> }> = [];
  const transfers: Array<{ progress: (loaded: number, total: number) => void; d: ReturnType<typeof deferred<void>>; abort: ReturnType<typeof vi.fn>; file: Blob }> = [];
  const resumes: Array<{ fileId: string; progress: (loaded: number, total: number) => void; d: ReturnType<typeof deferred<void>>; file: Blob }> = [];
  const settles: Array<{ fileId: string; d: ReturnType<typeof deferred<MediaFile>>; signal: AbortSignal }> = [];
  /** Every DELETE /files/{id} sent: the client's own, on an aborted send, and the queue's discards. */
  const deletes: string[] = [];
  /** The client deletes the pending file of a send its signal aborted (client.ts #cancellable). */
  const releasedByClient = (fileId: string, signal: AbortSignal) => signal.addEventListener("abort", () => deletes.push(fileId));
  /** What the client's upload does, step by step as the test decides: the API's answer, then the bytes. */
  const sending = async (record: { progress: (loaded: number, total: number) => void; file: Blob }, signal: AbortSignal, into: Array<typeof record & { d: ReturnType<typeof deferred<void>> }>) => {
    const d = deferred<void>();
    // Aborted, the client gives the pending file back and says the upload was cancelled.
    const abort = vi.fn(() => d.reject(new UploadCancelledError("cancelled")));
    signal.addEventListener("abort", abort);
    into.push({ ...record, d, abort } as typeof record & { d: typeof d });
    await d.promise;
  };
  const deps: UploadDeps = {
    upload: vi.fn(async (file, options) => {
      const d = deferred<PresignAnswer>();
      presigns.push({ input: { fileName: file.name, contentType: options.contentType, size: file.size }, d });
      const answer = await d.promise;
      options.onAuthorised(answer);
      releasedByClient(answer.fileId, options.signal);
      await sending({ progress: options.onProgress, file }, options.signal, transfers as never);
    }),
    resume: vi.fn(async (fileId, file, options) => {
      const d = deferred<void>();
      resumes.push({ fileId, progress: options.onProgress, d, file });
      releasedByClient(fileId, options.signal);
      options.signal.addEventListener("abort", () => d.reject(new UploadCancelledError("cancelled")));
      await d.promise;
    }),
    settle: vi.fn((fileId, signal) => {
      const d = deferred<MediaFile>();
      settles.push({ fileId, d, signal });
      signal.addEventListener("abort", () => d.reject(new AbortedError()));
      return d.promise;
    }),
    discard: vi.fn(async (fileId: string) => void deletes.push(fileId)),
    limits: () => limits,
    onAccepted: vi.fn(),
    onSettled: vi.fn(),
    onMaxFileBytes: vi.fn(),
    now: () => clock,
    ...overrides,
  };
  const queue = new UploadQueue(deps);
  const history: Array<Array<UploadState["kind"]>> = [];
  queue.subscribe((items) => history.push(items.map((i) => i.state.kind)));
  return {
    queue,
    deps,
    presigns,
    transfers,
    resumes,
    settles,
    deletes,
    history,
    tick: (ms: number) => (clock += ms),
    nextId: () => `01JFILE${String(++n).padStart(19, "0")}`,
    state: (i = 0): UploadState => queue.items[i]!.state,
    item: (i = 0): UploadItem => queue.items[i]!,
  };
}

const png = (name = "cat.png", bytes = 10) => new File([new Uint8Array(bytes)], name, { type: "image/png" });

describe("upload queue: refusals before anything is sent", () => {
  it("refuses a type outside the allowlist, with the reason, and never asks the API", () => {
    const h = harness();
    h.queue.add([new File(["<svg/>"], "logo.svg", { type: "image/svg+xml" }), new File(["x"], "notes.txt", { type: "text/plain" })]);
    expect(h.queue.items.map((i) => i.state.kind)).toEqual(["refused", "refused"]);
    expect((h.state(0) as { reason: string }).reason).toMatch(/image\/svg\+xml files are not accepted/);
    expect((h.state(1) as { reason: string }).reason).toMatch(/text\/plain files are not accepted.*JPEG, PNG/);
    expect(h.presigns).toHaveLength(0);
  });

  it("infers the type from the extension when the browser gives none, and normalises aliases", () => {
    const h = harness();
    h.queue.add([new File(["fLaC"], "song.flac", { type: "" }), new File(["x"], "a.mp3", { type: "audio/mp3" })]);
    expect(h.item(0).contentType).toBe("audio/flac");
    expect(h.item(1).contentType).toBe("audio/mpeg");
    expect(h.presigns.map((p) => p.input.contentType)).toEqual(["audio/flac", "audio/mpeg"]);
  });

  it("refuses empty files, files over the known size limit, and files the quota can't hold", () => {
    const h = harness({}, { maxFileBytes: 100, remainingBytes: 150 });
    h.queue.add([png("empty.png", 0), png("big.png", 101), png("a.png", 100), png("b.png", 60), png("c.png", 50)]);
    const reasons = h.queue.items.map((i) => (i.state.kind === "refused" ? i.state.reason : i.state.kind));
    expect(reasons[0]).toBe("This file is empty.");
    expect(reasons[1]).toBe("This file is 101 B; files can be at most 100 B.");
    expect(reasons[2]).toBe("uploading");
    // The batch counts against the quota as it goes: 150 - 100 leaves 50, too little for 60, enough for 50.
    expect(reasons[3]).toBe("Not enough space: this file is 60 B and 50 B is left. Delete some files to make room.");
    expect(reasons[4]).toBe("uploading");
    expect(h.presigns.map((p) => p.input.fileName)).toEqual(["a.png", "c.png"]);
  });

  it("counts files still on their way against the quota of a later batch", async () => {
    const h = harness({}, { remainingBytes: 100 });
    h.queue.add([png("first.png", 80)]);
    h.queue.add([png("second.png", 30)]);
    expect(h.state(1).kind).toBe("refused");
  });

  it("turns the API's 413 into a refusal with the limit in words, and learns the limit", async () => {
    const h = harness();
    h.queue.add([png("huge.png", 10)]);
    h.presigns[0]!.d.reject(
      errorFromResponse(413, "application/json", JSON.stringify({ error: { code: "FileTooLarge", message: "Files may be at most 2147483648 bytes.", details: { maxFileBytes: 2147483648 } } })),
    );
    await flush();
    expect(h.state()).toEqual({ kind: "refused", reason: "This file is too large: files can be at most 2 GiB." });
    expect(h.deps.onMaxFileBytes).toHaveBeenCalledWith(2147483648);
    expect(h.transfers).toHaveLength(0);
  });

  it("turns a quota refusal (413 QuotaExceeded) into a refusal saying what is left", async () => {
    const h = harness();
    h.queue.add([png()]);
    h.presigns[0]!.d.reject(errorFromResponse(413, "application/json", JSON.stringify({ error: { code: "QuotaExceeded", message: "…", details: { remainingBytes: 1536, quotaBytes: 5 * 1024 ** 3 } } })));
    await flush();
    expect(h.state()).toEqual({ kind: "refused", reason: "Not enough space: 1.5 KiB left of your 5 GiB. Delete some files to make room." });
  });
});

/** GET /me's answer for someone who has stored `bytes`, with the limits the API states. */
function meAnswer(bytes: number, limits: Me["limits"] | null = { maxFileBytes: 1000, quotaBytes: 3000 }): Me {
  // As an older API answered: no reservedBytes, and perhaps no limits.
  const me = { userId: "u", email: "u@example.com", usage: { files: 1, bytes, quotaBytes: limits?.quotaBytes ?? 3000 } } as Me;
  if (limits) me.limits = limits;
  return me;
}

describe("upload queue: the limits GET /me states, checked before anything is sent", () => {
  /** The queue wired to a real UsageStore, as services.ts wires them; the test answers GET /me. */
  function withUsage(buildTimeMax?: number) {
    const me = deferred<Me>();
    const usage = new UsageStore(() => me.promise, buildTimeMax);
    const h = harness({ limits: () => usage.limits(), limitsReady: () => usage.ready() });
    return { ...h, usage, me };
  }

  it("refuses a file over the per-file limit and one over the remaining quota, and sends the rest", async () => {
    const h = withUsage();
    void h.usage.refresh();
    h.me.resolve(meAnswer(2000)); // 1000 of the 3000 left
    await flush();
    h.queue.add([png("huge.png", 1001), png("fits.png", 900), png("over.png", 200)]);
    expect(h.queue.items.map((i) => (i.state.kind === "refused" ? i.state.reason : i.state.kind))).toEqual([
      "This file is 1001 B; files can be at most 1000 B.",
      "uploading",
      "Not enough space: this file is 200 B and 100 B is left. Delete some files to make room.",
    ]);
    expect(h.presigns.map((p) => p.input.fileName)).toEqual(["fits.png"]);
  });

  it("holds files added before GET /me answers, then checks them against its limits", async () => {
    // A per-file limit from the build is not enough to go: the quota is still unknown.
    const h = withUsage(5000);
    void h.usage.refresh();
    h.queue.add([png("huge.png", 1500), png("small.png", 10)]);
    // Nothing is sent (nor refused) while the limits are unknown.
    expect(h.queue.items.map((i) => i.state.kind)).toEqual(["queued", "queued"]);
    expect(h.presigns).toHaveLength(0);
    h.me.resolve(meAnswer(0));
    await flush();
    expect(h.state(0)).toEqual({ kind: "refused", reason: "This file is 1.46 KiB; files can be at most 1000 B." });
    expect(h.state(1).kind).toBe("uploading");
    expect(h.presigns.map((p) => p.input.fileName)).toEqual(["small.png"]);
  });

  it("asks for GET /me itself when nobody has yet, and a file cancelled meanwhile stays cancelled", async () => {
    const h = withUsage();
    const [first] = h.queue.add([png("a.png", 10), png("b.png", 10)]);
    h.queue.cancel(first!.id);
    h.me.resolve(meAnswer(0));
    await flush();
    expect(h.queue.items.map((i) => i.state.kind)).toEqual(["cancelled", "uploading"]);
    expect(h.presigns.map((p) => p.input.fileName)).toEqual(["b.png"]);
  });

  it("sends anyway when GET /me fails: the API still enforces the limits with a 413", async () => {
    const h = withUsage();
    h.queue.add([png("a.png", 5000)]);
    h.me.reject(errorFromResponse(503, "application/json", JSON.stringify({ error: { code: "ServiceUnavailable", message: "x" } })));
    await flush();
    expect(h.state().kind).toBe("uploading");
    expect(h.presigns).toHaveLength(1);
  });

  it("does not hold files for ever when the limits can't be learned", async () => {
    const h = harness({ limitsReady: () => Promise.reject(new Error("offline")) });
    h.queue.add([png("a.png", 10)]);
    expect(h.state().kind).toBe("queued");
    await flush();
    expect(h.state().kind).toBe("uploading");
  });

  it("prefers the API's stated limit to the build's, and falls back to it for an API that states none", async () => {
    const stated = withUsage(50);
    void stated.usage.refresh();
    stated.me.resolve(meAnswer(0));
    await flush();
    expect(stated.usage.limits()).toEqual({ remainingBytes: 3000, maxFileBytes: 1000 });
    const older = withUsage(50);
    void older.usage.refresh();
    older.me.resolve(meAnswer(100, null));
    await flush();
    expect(older.usage.limits()).toEqual({ remainingBytes: 2900, maxFileBytes: 50 });
    older.queue.add([png("a.png", 51)]);
    expect(older.state()).toEqual({ kind: "refused", reason: "This file is 51 B; files can be at most 50 B." });
  });
});

describe("upload queue: the life of an upload", () => {
  it("goes queued → uploading(progress, speed) → processing → ready, and shows the pending file at once", async () => {
    const h = harness();
    h.queue.add([png("cat.png", 1000)]);
    expect(h.state()).toEqual({ kind: "uploading", loaded: 0, total: 1000 });
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    expect(h.item().fileId).toBe(id);
    expect(h.deps.onAccepted).toHaveBeenCalledWith(expect.objectContaining({ fileId: id, fileName: "cat.png", status: "pending", contentType: "image/png", size: 1000 }));
    expect(h.deps.upload).toHaveBeenCalledWith(expect.objectContaining({ name: "cat.png" }), expect.objectContaining({ contentType: "image/png" }));
    expect(h.transfers).toHaveLength(1);

    // The multipart body is larger than the file; progress is reported as the file's share.
    h.tick(1000);
    h.transfers[0]!.progress(600, 1200);
    expect(h.state()).toEqual({ kind: "uploading", loaded: 500, total: 1000, bytesPerSecond: 500, secondsLeft: 1 });
    h.tick(500);
    h.transfers[0]!.progress(1200, 1200);
    expect(h.state()).toMatchObject({ kind: "uploading", loaded: 1000, total: 1000, secondsLeft: 0 });
    expect((h.state() as { bytesPerSecond: number }).bytesPerSecond).toBeCloseTo(1000 / 1.5);

    h.transfers[0]!.d.resolve();
    await flush();
    expect(h.state()).toEqual({ kind: "processing" });
    expect(h.settles[0]!.fileId).toBe(id);

    const file = readyFile(id, "cat.png");
    h.settles[0]!.d.resolve(file);
    await flush();
    expect(h.state()).toEqual({ kind: "ready", file });
    expect(h.deps.onSettled).toHaveBeenCalledWith(file);
    const seen = h.history.map((kinds) => kinds[0]).filter((k, i, all) => k !== all[i - 1]);
    expect(seen).toEqual(["queued", "uploading", "processing", "ready"]);
  });

  it("ends rejected, with the indexer's reason", async () => {
    const h = harness();
    h.queue.add([png()]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    h.transfers[0]!.d.resolve();
    await flush();
    h.settles[0]!.d.resolve(readyFile(id, "cat.png", "rejected", "stored type text/html differs from the declared image/png"));
    await flush();
    expect(h.state()).toEqual({ kind: "rejected", reason: "stored type text/html differs from the declared image/png" });
  });

  it("fails with storage's refusal in words (S3 XML) and releases the reserved quota", async () => {
    const h = harness();
    h.queue.add([png()]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    h.transfers[0]!.d.reject(errorFromResponse(400, "application/xml", "<?xml version=\"1.0\"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>", "storage"));
    await flush();
    expect(h.state()).toEqual({ kind: "failed", code: "EntityTooLarge", message: expect.stringMatching(/larger than announced/) });
    expect(h.deps.discard).toHaveBeenCalledWith(id);
    expect(h.deps.settle).not.toHaveBeenCalled();
  });

  it("fails when nobody answers (network), without a pending record to discard", async () => {
    const h = harness();
    h.queue.add([png()]);
    h.presigns[0]!.d.reject(new TypeError("Failed to fetch"));
    await flush();
    expect(h.state()).toMatchObject({ kind: "failed", code: "NetworkError", message: expect.stringMatching(/Can't reach the server/) });
    expect(h.deps.discard).not.toHaveBeenCalled();
  });

  it("fails on a server error without showing its details", async () => {
    const h = harness();
    h.queue.add([png()]);
    h.presigns[0]!.d.reject(new AppError("gateway", "ServerError", "The server had a problem (500). Try again in a moment.", 500));
    await flush();
    expect(h.state()).toEqual({ kind: "failed", code: "ServerError", message: "The server had a problem (500). Try again in a moment." });
  });
});

describe("upload queue: cancel and concurrency", () => {
  it("cancels a queued file without asking the API, and runs at most `concurrency` at once", async () => {
    const h = harness({ concurrency: 2 });
    h.queue.add([png("1.png"), png("2.png"), png("3.png"), png("4.png")]);
    expect(h.queue.items.map((i) => i.state.kind)).toEqual(["uploading", "uploading", "queued", "queued"]);
    h.queue.cancel(h.item(3).id);
    expect(h.state(3)).toEqual({ kind: "cancelled" });

    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    h.transfers[0]!.d.resolve();
    await flush();
    // The first is processing now: its slot is free for the third.
    expect(h.queue.items.map((i) => i.state.kind)).toEqual(["processing", "uploading", "uploading", "cancelled"]);
    expect(h.presigns.map((p) => p.input.fileName)).toEqual(["1.png", "2.png", "3.png"]);
  });

  it("cancels mid-upload: aborts the transfer and deletes the pending record (its quota comes back)", async () => {
    const h = harness();
    h.queue.add([png()]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    h.transfers[0]!.progress(5, 12);
    h.queue.cancel(h.item().id);
    await flush();
    expect(h.transfers[0]!.abort).toHaveBeenCalled();
    expect(h.state()).toEqual({ kind: "cancelled" });
    // Deleted once: by the client, whose send was aborted; the queue does not delete it again.
    expect(h.deletes).toEqual([id]);
    expect(h.deps.discard).not.toHaveBeenCalled();
    expect(h.deps.settle).not.toHaveBeenCalled();
  });

  it("cancels while the policy is being asked for: nothing is sent and the record is discarded", async () => {
    const h = harness();
    h.queue.add([png()]);
    h.queue.cancel(h.item().id);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    expect(h.state()).toEqual({ kind: "cancelled" });
    expect(h.transfers).toHaveLength(0);
    // The client never started sending, so the queue gives the reservation back, once.
    expect(h.deletes).toEqual([id]);
    expect(h.deps.discard).toHaveBeenCalledWith(id);
  });

  it("has no cancel once stored, and clears finished rows on request", async () => {
    const h = harness();
    h.queue.add([png("a.png"), new File(["x"], "x.txt", { type: "text/plain" })]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    await flush();
    h.transfers[0]!.d.resolve();
    await flush();
    h.queue.cancel(h.item(0).id);
    expect(h.state(0).kind).toBe("processing");
    h.queue.clearFinished();
    expect(h.queue.items.map((i) => i.name)).toEqual(["a.png"]);
  });

  it("forgets a file the library cancelled: stops sending it and waiting for it, without a second DELETE", async () => {
    const h = harness();
    h.queue.add([png("a.png"), png("b.png")]);
    const a = h.nextId();
    const b = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(a));
    h.presigns[1]!.d.resolve(presignAnswer(b));
    await flush();
    h.transfers[1]!.d.resolve();
    await flush();
    h.queue.forget(a);
    h.queue.forget(b);
    await flush();
    expect(h.transfers[0]!.abort).toHaveBeenCalled();
    expect(h.settles[0]!.signal.aborted).toBe(true);
    expect(h.queue.items.map((i) => i.state.kind)).toEqual(["cancelled", "cancelled"]);
    expect(h.deps.discard).not.toHaveBeenCalled();
  });

  it("stops waiting for verdicts on sign-out without deleting stored files", async () => {
    const h = harness();
    h.queue.add([png("a.png"), png("b.png")]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(presignAnswer(id));
    h.presigns[1]!.d.resolve(presignAnswer(h.nextId()));
    await flush();
    h.transfers[0]!.d.resolve();
    await flush();
    h.queue.stopAll();
    await flush();
    expect(h.settles[0]!.signal.aborted).toBe(true);
    expect(h.transfers[1]!.abort).toHaveBeenCalled();
    // The second's send was aborted: the client deleted it, once; the stored first stays.
    expect(h.deletes).toEqual([h.item(1).fileId]);
  });
});

describe("upload queue: large files in parts, resumed after a reload", () => {
  const MiB = 1024 * 1024;
  const big = (name = "long.wav") => new File([new Uint8Array(12 * MiB)], name, { type: "audio/wav", lastModified: 1_700_000_000_000 });
  const multipartAnswer = (fileId: string, size = 12 * MiB): PresignAnswer => ({ message: "ok", fileId, key: `users/u/${fileId}`, maxBytes: size, multipart: { uploadId: `upload-${fileId}`, partSize: 5 * MiB, partCount: 3, expiresAt: "2030-01-01T00:00:00Z" } });

  /** A queue whose unfinished uploads live in a storage that outlives it, as localStorage outlives a page. */
  function withMemory(storage = new Map<string, string>(), limits: { remainingBytes?: number; maxFileBytes?: number } = {}) {
    const local = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k), key: (i: number) => [...storage.keys()][i] ?? null, get length() { return storage.size; } };
    const unfinished = new UnfinishedUploads(local, () => Date.parse("2029-01-01T00:00:00Z"));
    return { ...harness({ unfinished }, limits), storage, unfinished };
  }

  it("remembers a multipart upload while its parts go, and forgets it once complete", async () => {
    const h = withMemory();
    h.queue.add([big()]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(multipartAnswer(id));
    await flush();
    expect(h.unfinished.find(big())).toEqual({ fileId: id, uploadId: `upload-${id}`, expiresAt: "2030-01-01T00:00:00Z", name: "long.wav", size: 12 * MiB });
    h.transfers[0]!.progress(6 * MiB, 12 * MiB);
    expect(h.state()).toMatchObject({ kind: "uploading", loaded: 6 * MiB, total: 12 * MiB });
    h.transfers[0]!.d.resolve();
    await flush();
    expect(h.state().kind).toBe("processing");
    expect(h.storage.size).toBe(0);
  });

  it("keeps the parts and the reservation when the network drops, and says how to resume", async () => {
    const h = withMemory();
    h.queue.add([big()]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(multipartAnswer(id));
    await flush();
    h.transfers[0]!.d.reject(new TypeError("Failed to fetch"));
    await flush();
    expect(h.state()).toEqual({ kind: "failed", code: "NetworkError", message: "The upload could not reach storage. Check your connection and try again. Choose the same file again to resume where it stopped." });
    expect(h.deps.discard).not.toHaveBeenCalled();
    expect(h.unfinished.find(big())?.fileId).toBe(id);
  });

  it("after a reload, the same file chosen again sends only what is missing: no new authorisation, no second reservation", async () => {
    const storage = new Map<string, string>();
    const before = withMemory(storage);
    before.queue.add([big()]);
    const id = before.nextId();
    before.presigns[0]!.d.resolve(multipartAnswer(id));
    await flush();
    // The page goes away mid-upload; a new one starts with what localStorage kept. 8 MiB are left of
    // the quota: the file's own 12 MiB are reserved already, so it still fits.
    const after = withMemory(storage, { remainingBytes: 8 * MiB });
    after.queue.add([big()]);
    await flush();
    expect(after.presigns).toHaveLength(0);
    expect(after.resumes.map((r) => r.fileId)).toEqual([id]);
    expect(after.item().fileId).toBe(id);
    expect(after.deps.onAccepted).not.toHaveBeenCalled(); // the library lists its pending file already
    after.resumes[0]!.progress(10 * MiB, 12 * MiB);
    expect(after.state()).toMatchObject({ kind: "uploading", loaded: 10 * MiB });
    after.resumes[0]!.d.resolve();
    await flush();
    expect(after.state().kind).toBe("processing");
    expect(after.settles[0]!.fileId).toBe(id);
    expect(storage.size).toBe(0);
  });

  it("starts afresh when the server no longer knows the unfinished upload (expired, aborted, cancelled elsewhere)", async () => {
    const storage = new Map<string, string>();
    const before = withMemory(storage);
    before.queue.add([big()]);
    before.presigns[0]!.d.resolve(multipartAnswer("01OLD"));
    await flush();
    const after = withMemory(storage);
    after.queue.add([big()]);
    await flush();
    after.resumes[0]!.d.reject(errorFromResponse(404, "application/json", JSON.stringify({ error: { code: "NotFound", message: "No such file." } })));
    await flush();
    expect(after.presigns).toHaveLength(1);
    const id = after.nextId();
    after.presigns[0]!.d.resolve(multipartAnswer(id));
    await flush();
    expect(after.item().fileId).toBe(id);
    expect(after.unfinished.find(big())?.fileId).toBe(id);
    expect(after.deps.onAccepted).toHaveBeenCalledWith(expect.objectContaining({ fileId: id }));
  });

  it("a cancel ends the multipart upload for good: the reservation back, nothing remembered", async () => {
    const h = withMemory();
    h.queue.add([big()]);
    const id = h.nextId();
    h.presigns[0]!.d.resolve(multipartAnswer(id));
    await flush();
    h.queue.cancel(h.item().id);
    await flush();
    expect(h.state()).toEqual({ kind: "cancelled" });
    expect(h.deletes).toEqual([id]);
    expect(h.storage.size).toBe(0);
  });

  it("does not resume a file that changed: another size or modification time is another file", () => {
    const h = withMemory();
    h.unfinished.remember(big(), { fileId: "01OLD", uploadId: "u", expiresAt: "2030-01-01T00:00:00Z" });
    const edited = new File([new Uint8Array(12 * MiB)], "long.wav", { type: "audio/wav", lastModified: 1_800_000_000_000 });
    expect(h.unfinished.find(edited)).toBeUndefined();
    h.unfinished.remember(big("old.wav"), { fileId: "01EXP", uploadId: "u", expiresAt: "2028-01-01T00:00:00Z" });
    expect(h.unfinished.find(big("old.wav"))).toBeUndefined(); // past its authorisation: forgotten
    expect(h.unfinished.list().map((u) => u.fileId)).toEqual(["01OLD"]);
  });
});
