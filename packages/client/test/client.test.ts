import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedFetch } from "@media/testing/openapi-responses";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";
import { MediaApiError, MediaClient, UploadCancelledError, type Session, type UploadProgress } from "../src/index";

/** The typed client against `npm start`'s runtime, every API answer checked against the OpenAPI document. */
const sha = (b: ArrayBuffer | Buffer) => createHash("sha256").update(Buffer.from(b as ArrayBuffer)).digest("hex");
let dataDir: string;
let local: LocalProcess;
let client: MediaClient;
const sessions: Array<Session | undefined> = [];
const email = `carol-${Date.now()}@example.com`;
const password = "Carol-pass-1!";
const png = pngFixture(8, 6);
const wav = wavFixture(0.3);
const ids: Record<string, string> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-client-"));
  local = await startLocalProcess({ DATA_DIR: dataDir, MAX_FILE_BYTES: "5000000", QUOTA_BYTES: "20000000" });
  client = new MediaClient({ apiUrl: local.url, fetch: checkedFetch(local.url), onSession: (s) => void sessions.push(s) });
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("MediaClient", () => {
  it("signs up, confirms with the emailed code and logs in", async () => {
    const signUp = await client.signUp({ email, password });
    expect(signUp.confirmed).toBe(false);
    const outbox = (await (await fetch(`${local.url}/_local/outbox?to=${encodeURIComponent(email)}`)).json()) as { messages: Array<{ code: string }> };
    await client.confirm({ email, code: outbox.messages.at(-1)!.code });
    const session = await client.login(email, password);
    expect(session.refreshToken).toBeTruthy();
    expect(sessions.at(-1)).toEqual(session);
    expect((await client.me()).email).toBe(email);
  });

  it("refuses with errors typed by the API's codes", async () => {
    const wrong = await new MediaClient({ apiUrl: local.url }).login(email, "Wrong-pass-1!").catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(MediaApiError);
    expect(wrong).toMatchObject({ status: 401, code: "InvalidCredentials" });
    await expect(client.getFile("01JZZZZZZZZZZZZZZZZZZZZZZZ")).rejects.toMatchObject({ status: 404, code: "NotFound" });
    await expect(client.upload(new Blob(["<svg/>"], { type: "image/svg+xml" }), { fileName: "x.svg" })).rejects.toMatchObject({ status: 415, code: "UnsupportedMediaType" });
    await expect(client.upload(new Blob([new Uint8Array(6_000_000)], { type: "image/png" }), { fileName: "big.png" })).rejects.toMatchObject({ status: 413, code: "FileTooLarge" });
    await expect(new MediaClient({ apiUrl: local.url }).me()).rejects.toMatchObject({ code: "Unauthorized" });
  });

  it("uploads a Blob, a path and a stream with progress, and waits until each is ready", async () => {
    const path = join(dataDir, "tone.wav");
    await writeFile(path, wav);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(png.subarray(0, 10)));
        c.enqueue(new Uint8Array(png.subarray(10)));
        c.close();
      },
    });
    const sources = [
      ["photo.png", new File([new Uint8Array(png)], "photo.png", { type: "image/png" }), png],
      ["tone.wav", path, wav],
      ["streamed.png", { data: stream, size: png.length, fileName: "streamed.png" }, png],
    ] as const;
    for (const [name, source, bytes] of sources) {
      const progress: UploadProgress[] = [];
      const result = await client.upload(source, { onProgress: (p) => progress.push(p) });
      expect(result).toMatchObject({ fileName: name, size: bytes.length });
      expect(progress[0]).toEqual({ fileId: result.fileId, loaded: 0, total: bytes.length });
      expect(progress.at(-1)).toEqual({ fileId: result.fileId, loaded: bytes.length, total: bytes.length });
      const file = await client.waitUntilReady(result.fileId);
      expect(file).toMatchObject({ fileName: name, status: "ready", size: bytes.length });
      ids[name] = result.fileId;
    }
  });

  it("waits for a file's renditions when asked (announced by media.renditions)", async () => {
    const file = await client.waitUntilReady(ids["tone.wav"]!, { renditions: true });
    expect(file.renditions).toEqual({ status: "ready" });
    expect(file.streamUrl).toMatch(/^http/);
    expect(file.waveformUrl).toMatch(/^http/);
  });

  it("reports a file the indexer rejects", async () => {
    const { fileId } = await client.upload(new Blob([new Uint8Array(png)]), { fileName: "not-really.wav" });
    const file = await client.waitUntilReady(fileId);
    expect(file.status).toBe("rejected");
    expect(file.rejectionReason).toBeTruthy();
    await client.deleteFile(fileId);
  });

  it("cancels an upload mid-file and gives its reservation back", async () => {
    const before = (await client.me()).usage.reservedBytes;
    const abort = new AbortController();
    // A stream that sends a first chunk, then waits: the upload is in flight when it is cancelled.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(png.subarray(0, 20)));
      },
    });
    const upload = client.upload({ data: stream, size: 1_000_000, fileName: "slow.png" }, { signal: abort.signal, onProgress: (p) => p.loaded > 0 && abort.abort() });
    await expect(upload).rejects.toBeInstanceOf(UploadCancelledError);
    expect((await client.me()).usage.reservedBytes).toBe(before);
  });

  it("lists every file through the async iterator, a page at a time, with filters", async () => {
    const names: string[] = [];
    for await (const file of client.files({ pageSize: 1 })) names.push(file.fileName);
    expect(names).toEqual(["streamed.png", "tone.wav", "photo.png"]);
    const audio: string[] = [];
    for await (const file of client.files({ type: "audio" })) audio.push(file.fileName);
    expect(audio).toEqual(["tone.wav"]);
  });

  it("renames, tags, shares, downloads byte-identical and deletes", async () => {
    const id = ids["photo.png"]!;
    expect((await client.rename(id, "holiday.png")).fileName).toBe("holiday.png");
    expect((await client.tag(id, ["beach", "2026"])).tags).toEqual(["beach", "2026"]);
    const downloaded = await client.download(id);
    expect(sha(await downloaded.arrayBuffer())).toBe(sha(png));
    const share = await client.share(id, { expiresInSeconds: 600 });
    const opened = await fetch(share.url);
    expect(sha(await opened.arrayBuffer())).toBe(sha(png));
    expect((await client.shares(id)).shares.map((s) => s.shareId)).toEqual([share.shareId]);
    await client.revokeShare(id, share.shareId);
    expect((await fetch(share.url, { redirect: "manual" })).status).toBe(404);
    await client.deleteFile(id);
    await expect(client.getFile(id)).rejects.toMatchObject({ code: "NotFound" });
    expect((await client.me()).usage.files).toBe(2);
  });

  it("renews its access token by itself when it is about to expire", async () => {
    let clock = Date.now();
    const seen: Session[] = [];
    const later = new MediaClient({ apiUrl: local.url, session: client.session!, now: () => clock, onSession: (s) => void (s && seen.push(s)) });
    // An hour on: the token's end is near, so the next call refreshes first.
    clock += 3600 * 1000;
    expect((await later.me()).email).toBe(email);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.accessToken).not.toBe(client.session!.accessToken);
    expect(seen[0]!.refreshToken).toBe(client.session!.refreshToken);
  });
});
