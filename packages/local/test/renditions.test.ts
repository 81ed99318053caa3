import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "@media/testing/media-samples";
import { toneFile } from "@media/testing/rendition-inputs";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";

/**
 * Renditions over HTTP against `npm start`'s entry point: a FLAC gets an AAC stream and a waveform, a
 * large PNG a display-size WebP, a corrupt-but-accepted case a reason; usage counts originals only; a
 * delete takes the renditions with it. Each step waits for the renditions function's own log line.
 * The function's temporary files go to the runtime's scratch folder, emptied at start, as a new Lambda
 * sandbox's /tmp is.
 */
let dataDir: string;
let local: LocalProcess;
let api: ReturnType<typeof apiClient>;
let token = "";
const user = { email: `rendition-${Date.now()}@example.com`, password: "Rendition-pass-1!" };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-renditions-"));
  // What an encode cut short by Ctrl-C leaves: the original's copy and a half-written stream.
  for (const left of ["original-Ab12Cd/original", "rendition-Ef34Gh/stream.m4a"]) {
    await mkdir(join(dataDir, "scratch", left, ".."), { recursive: true });
    await writeFile(join(dataDir, "scratch", left), "left by an invocation cut short");
  }
  local = await startLocalProcess({ DATA_DIR: dataDir, MAX_FILE_BYTES: String(5_000_000), QUOTA_BYTES: String(20_000_000) });
  api = apiClient(local.url);
  token = (await api.signUpAndLogin(user.email, user.password)).token;
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function upload(name: string, bytes: Buffer, contentType: string) {
  const presign = await api.call("POST", "/upload", { token, json: { fileName: name, contentType, size: bytes.length } });
  expect(presign.status, JSON.stringify(presign.body)).toBe(201);
  const up = await api.uploadTo(presign.body.upload, bytes, contentType, name);
  expect(up.status, up.text).toBeLessThan(300);
  const ready = await api.waitForStatus(token, presign.body.fileId);
  expect(ready.status).toBe("ready");
  return ready;
}

/** The file once the renditions function has logged its outcome for it (that line is written after the record). */
async function rendered(fileId: string) {
  const line = await local.waitForLine((l) => l.message === "renditions" && l.fileId === fileId);
  const file = await api.call("GET", `/files/${fileId}`, { token });
  return { line, file: file.body };
}

describe("renditions, end to end", () => {
  const made: Record<string, { fileId: string; urls: string[] }> = {};

  it("streams a FLAC as AAC in MP4 and draws its waveform; the original stays as it was", async () => {
    const tone = await toneFile({ seconds: 3, sampleRate: 48_000, format: "flac", extension: "flac" });
    const bytes = await readFile(tone.path);
    await tone.dispose();
    // The web app's live stream: it learns of the renditions from media.renditions, without polling.
    const live = await api.liveEvents(token);
    const ready = await upload("tone.flac", bytes, "audio/flac");
    // Ready before its renditions: they never hold the file back.
    expect(ready.renditions).toEqual({ status: "pending" });
    expect(ready.streamUrl).toBeUndefined();

    const announced = await live.next((e) => e.type === "media.renditions" && e.fileId === ready.fileId);
    live.close();
    expect(announced).toMatchObject({ key: expect.stringMatching(new RegExp(`^users/[^/]+/${ready.fileId}$`)), contentType: "audio/flac", renditions: { status: "ready", made: ["stream", "waveform"] } });
    const { line, file } = await rendered(ready.fileId);
    expect(line).toMatchObject({ outcome: "ready", level: expect.stringMatching(/info/i) });
    expect(file.renditions).toEqual({ status: "ready" });
    const stream = await fetch(file.streamUrl);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("audio/mp4");
    const mp4 = Buffer.from(await stream.arrayBuffer());
    expect(mp4.subarray(4, 8).toString()).toBe("ftyp");
    // Seekable by range, as the player does.
    const ranged = await fetch(file.streamUrl, { headers: { range: "bytes=0-7" } });
    expect(ranged.status).toBe(206);

    const waveform = (await (await fetch(file.waveformUrl)).json()) as { version: number; durationSeconds: number; peaks: number[] };
    expect(waveform.version).toBe(1);
    expect(waveform.durationSeconds).toBeCloseTo(3, 1);
    expect(waveform.peaks).toHaveLength(1000);
    expect(Math.max(...waveform.peaks)).toBeGreaterThan(0.05);

    const original = await fetch(file.downloadUrl);
    expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);
    // Counted: one file made, its bytes and its time (the local runtime's Prometheus figures).
    const scraped = await (await fetch(`${local.url}/_local/metrics`)).text();
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(scraped)?.[1]);
    expect(sample("media_renditions_made_total")).toBe(1);
    expect(sample("media_rendition_bytes_total")).toBe(line.bytes);
    expect(sample("media_rendition_seconds_count")).toBe(1);
    // A share link's page plays the stream (a FLAC does not play in every browser), which the link serves.
    const link = await api.call("POST", `/files/${ready.fileId}/share`, { token, json: {} });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const page = await (await fetch(link.body.url, { headers: { accept: "text/html" } })).text();
    expect(page).toContain('<audio controls preload="metadata" src="?rendition=stream">');
    const shared = await fetch(`${link.body.url}?rendition=stream`);
    expect(shared.status).toBe(200);
    expect(shared.headers.get("content-type")).toBe("audio/mp4");
    expect(Buffer.from(await shared.arrayBuffer()).equals(mp4)).toBe(true);
    made.flac = { fileId: ready.fileId, urls: [file.streamUrl, file.waveformUrl] };
  });

  it("shows a large image through a 1600 px WebP preview beside its thumbnail", async () => {
    const jpeg = await sharp({ create: { width: 2400, height: 1200, channels: 3, background: "#4a8" } }).jpeg({ quality: 80 }).toBuffer();
    const ready = await upload("wide.jpg", jpeg, "image/jpeg");
    const { file } = await rendered(ready.fileId);
    expect(file.renditions).toEqual({ status: "ready" });
    expect(file.streamUrl).toBeUndefined();
    expect(file.waveformUrl).toBeUndefined();
    const preview = await fetch(file.previewUrl);
    expect(preview.headers.get("content-type")).toBe("image/webp");
    expect(await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).toMatchObject({ format: "webp", width: 1600, height: 800 });
    // A share link's landing page shows the same preview: the open-share function signs a GET of it,
    // which storage serves only if that function's role may read derived/.
    const link = await api.call("POST", `/files/${ready.fileId}/share`, { token, json: {} });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const shared = await fetch(`${link.body.url}?rendition=preview`);
    expect(shared.status).toBe(200);
    expect(shared.headers.get("content-type")).toBe("image/webp");
    expect(await sharp(Buffer.from(await shared.arrayBuffer())).metadata()).toMatchObject({ format: "webp", width: 1600 });
    made.jpeg = { fileId: ready.fileId, urls: [file.previewUrl] };
  });

  it("previews a HEIC, however small, since only Safari shows one", async () => {
    const ready = await upload("still.heic", fixture("still.heic"), "image/heic");
    const { file } = await rendered(ready.fileId);
    expect(file.renditions).toEqual({ status: "ready" });
    const preview = await fetch(file.previewUrl);
    expect(await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).toMatchObject({ format: "webp", width: 96, height: 64 });
    made.heic = { fileId: ready.fileId, urls: [file.previewUrl] };
  });

  it("records why a damaged track got no renditions, on its first attempt, and leaves the file ready", async () => {
    // A FLAC whose header (what the indexer reads) is intact and whose audio frames are junk.
    const tone = await toneFile({ seconds: 3, sampleRate: 48_000, format: "flac", extension: "flac" });
    const whole = await readFile(tone.path);
    await tone.dispose();
    const damaged = Buffer.concat([whole.subarray(0, 8192), Buffer.alloc(whole.length - 8192, 0x5a)]);
    const live = await api.liveEvents(token);
    const ready = await upload("damaged.flac", damaged, "audio/flac");
    expect(ready.status).toBe("ready");
    const announced = await live.next((e) => e.type === "media.renditions" && e.fileId === ready.fileId);
    live.close();
    expect(announced).toMatchObject({ renditions: { status: "failed", made: [] }, reason: expect.stringMatching(/damaged|could not be decoded|no samples/) });
    const { line, file } = await rendered(ready.fileId);
    // Settled at once: no retry for the file's own fault.
    expect(line).toMatchObject({ outcome: "failed", attempt: 1 });
    expect(file).toMatchObject({ status: "ready", renditions: { status: "failed", reason: announced.reason } });
    expect(file.streamUrl).toBeUndefined();
    expect((await fetch(file.downloadUrl)).status).toBe(200);
  });

  it("needs nothing for a small image, and says so", async () => {
    const ready = await upload("small.png", await sharp({ create: { width: 40, height: 30, channels: 3, background: "#123" } }).png().toBuffer(), "image/png");
    expect(ready.renditions).toEqual({ status: "none" });
  });

  it("counts only the originals against the quota", async () => {
    const me = await api.call("GET", "/me", { token });
    const list = await api.call("GET", "/retrieve", { token });
    const originals = (list.body.files as Array<{ size: number }>).reduce((sum, f) => sum + f.size, 0);
    expect(me.body.usage.bytes).toBe(originals);
  });

  it("keeps its temporary files in the runtime's scratch folder, which starts empty and is left empty", async () => {
    // Every rendition above has been made (each test waited for its log line); nothing made before this
    // start survived it.
    expect(await readdir(join(dataDir, "scratch"))).toEqual([]);
  });

  it("deletes a file's renditions with it", async () => {
    for (const { fileId, urls } of Object.values(made)) {
      for (const url of urls) expect((await fetch(url)).status).toBe(200);
      expect((await api.call("DELETE", `/files/${fileId}`, { token })).status).toBe(204);
      // The signer cannot list the bucket, so S3 answers a missing key with 403 (and 404 to those who can).
      for (const url of urls) expect([403, 404]).toContain((await fetch(url)).status);
    }
  });
});
