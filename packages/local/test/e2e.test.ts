import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";

/**
 * The whole flow over HTTP against `npm start`'s entry point, as a client would run it: two users, an
 * image and an audio file, every refusal, then a restart on the same data directory.
 */
const MAX_FILE_BYTES = 1_000_000;
const QUOTA_BYTES = 3_000_000;
const sha = (b: Buffer | ArrayBuffer) => createHash("sha256").update(Buffer.from(b as ArrayBuffer)).digest("hex");

let dataDir: string;
let local: LocalProcess;
let api: ReturnType<typeof apiClient>;
const env = () => ({ DATA_DIR: dataDir, MAX_FILE_BYTES: String(MAX_FILE_BYTES), QUOTA_BYTES: String(QUOTA_BYTES) });

const alice = { email: `alice-${Date.now()}@example.com`, password: "Alice-pass-1!" };
const bob = { email: `bob-${Date.now()}@example.com`, password: "Bob-pass-12!" };
let aliceToken = "";
let bobToken = "";
const png = pngFixture(6, 4);
const wav = wavFixture(0.2);
const uploaded: Record<string, { fileId: string; bytes: Buffer }> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-e2e-"));
  local = await startLocalProcess(env());
  api = apiClient(local.url);
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("local runtime, end to end", () => {
  it("is healthy", async () => {
    const res = await api.call("GET", "/health");
    expect(res.status).toBe(200);
  });

  it("serves its OpenAPI description, with itself as the server", async () => {
    const res = await api.call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.servers).toEqual([{ url: local.url }]);
    expect(Object.keys(res.body.paths)).toContain("/files/{fileId}");
  });

  it("signs up, confirms from the outbox and logs in two users", async () => {
    // Side by side, as two people would: each sign-up hashes a password, the slow part on a busy machine.
    const [a, b] = await Promise.all([api.signUpAndLogin(alice.email, alice.password), api.signUpAndLogin(bob.email, bob.password)]);
    aliceToken = a.token;
    bobToken = b.token;
    expect(aliceToken.split(".")).toHaveLength(3);
  });

  it("uploads an image and an audio file straight to storage and indexes them", async () => {
    for (const [name, bytes, type, metadata] of [
      // Described by the indexer from the content: the PNG's size, the WAV's stream (0.2 s, 8 kHz mono).
      ["sunset.png", png, "image/png", { format: "png", width: 6, height: 4 }],
      ["tone café.wav", wav, "audio/wav", { format: "wav", durationSeconds: 0.2, sampleRate: 8000, channels: 1, codec: "PCM" }],
    ] as const) {
      const presign = await api.call("POST", "/upload", { token: aliceToken, json: { fileName: name, contentType: type, size: bytes.length } });
      expect(presign.status).toBe(201);
      expect(presign.body.key).toBe(`users/${presign.body.key.split("/")[1]}/${presign.body.fileId}`);
      const up = await api.uploadTo(presign.body.upload, bytes, type, name);
      expect(up.status, up.text).toBeLessThan(300);
      const file = await api.waitForStatus(aliceToken, presign.body.fileId);
      expect(file).toMatchObject({ fileName: name, contentType: type, size: bytes.length, status: "ready", metadata });
      // The image gets a WebP thumbnail, served through a presigned GET; a WAV has no picture.
      if (type === "image/png") {
        const thumb = await fetch(file.thumbnailUrl);
        expect(thumb.status).toBe(200);
        expect(thumb.headers.get("content-type")).toBe("image/webp");
        expect(Buffer.from(await thumb.arrayBuffer()).subarray(8, 12).toString("ascii")).toBe("WEBP");
      } else {
        expect(file.thumbnailUrl).toBeUndefined();
      }
      uploaded[name] = { fileId: presign.body.fileId, bytes };
    }
  });

  it("lists newest first, filters by type, and serves the bytes back", async () => {
    const list = await api.call("GET", "/retrieve", { token: aliceToken });
    expect(list.status).toBe(200);
    expect(list.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(["tone café.wav", "sunset.png"]);
    const images = await api.call("GET", "/retrieve?type=image", { token: aliceToken });
    expect(images.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(["sunset.png"]);

    const { fileId, bytes } = uploaded["tone café.wav"]!;
    const download = await api.call("GET", `/files/${fileId}/download`, { token: aliceToken });
    expect(download.status).toBe(302);
    const location = download.headers.get("location")!;
    const got = await fetch(location);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-disposition")).toContain("attachment");
    expect(got.headers.get("content-disposition")).toContain("filename*=UTF-8''tone%20caf%C3%A9.wav");
    expect(sha(await got.arrayBuffer())).toBe(sha(bytes));

    const ranged = await fetch(list.body.files[0].fileUrl, { headers: { range: "bytes=0-3" } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).toString("ascii")).toBe("RIFF");
  });

  it("shows nobody else's files: another user's id is a 404 on every route", async () => {
    const { fileId } = uploaded["sunset.png"]!;
    expect((await api.call("GET", "/retrieve", { token: bobToken })).body.files).toEqual([]);
    expect((await api.call("GET", `/files/${fileId}`, { token: bobToken })).status).toBe(404);
    expect((await api.call("GET", `/files/${fileId}/download`, { token: bobToken })).status).toBe(404);
    expect((await api.call("PATCH", `/files/${fileId}`, { token: bobToken, json: { fileName: "mine.png" } })).status).toBe(404);
    expect((await api.call("DELETE", `/files/${fileId}`, { token: bobToken })).status).toBe(204);
    expect((await api.call("GET", `/files/${fileId}`, { token: aliceToken })).status).toBe(200);
  });

  it("refuses bad requests with clear errors and writes nothing", async () => {
    expect((await api.call("GET", "/retrieve")).status).toBe(401);
    expect((await api.call("GET", "/retrieve", { token: "not.a.token" })).status).toBe(403);
    expect((await api.call("GET", "/nope", { token: aliceToken })).status).toBe(404);
    const malformed = await api.call("POST", "/upload", { token: aliceToken, raw: "{nope" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("InvalidJson");
    const svg = await api.call("POST", "/upload", { token: aliceToken, json: { fileName: "x.svg", contentType: "image/svg+xml", size: 10 } });
    expect(svg.status).toBe(415);
    const big = await api.call("POST", "/upload", { token: aliceToken, json: { fileName: "x.png", contentType: "image/png", size: MAX_FILE_BYTES + 1 } });
    expect(big.status).toBe(413);
    const path = await api.call("POST", "/upload", { token: aliceToken, json: { fileName: "../x.png", contentType: "image/png", size: 10 } });
    expect(path.status).toBe(400);
    const missing = await api.call("POST", "/upload", { token: aliceToken, json: { fileName: "x.png" } });
    expect(missing.status).toBe(400);
    const wrongLogin = await api.call("POST", "/login", { json: { email: alice.email, password: "Wrong-pass-1!" } });
    const unknownLogin = await api.call("POST", "/login", { json: { email: "nobody@example.com", password: "Wrong-pass-1!" } });
    expect(wrongLogin.status).toBe(401);
    expect(unknownLogin.body).toEqual(wrongLogin.body);
    const dup = await api.call("POST", "/signup", { json: alice });
    expect(dup.status).toBe(409);
    const me = await api.call("GET", "/me", { token: aliceToken });
    expect(me.body.usage).toEqual({ files: 2, bytes: png.length + wav.length, reservedBytes: 0, quotaBytes: QUOTA_BYTES });
  });

  it("lets storage refuse uploads that break the policy, leaving nothing behind", async () => {
    const presign = await api.call("POST", "/upload", { token: aliceToken, json: { fileName: "a.png", contentType: "image/png", size: png.length } });
    const { upload, fileId } = presign.body;
    const tooBig = await api.uploadTo(upload, Buffer.concat([png, Buffer.alloc(10)]), "image/png");
    expect(tooBig.status).toBe(400);
    expect(tooBig.text).toContain("EntityTooLarge");
    const otherType = await api.uploadTo({ ...upload, fields: { ...upload.fields, "Content-Type": "image/jpeg" } }, png, "image/jpeg");
    expect(otherType.status).toBe(403);
    const otherKey = await api.uploadTo({ ...upload, fields: { ...upload.fields, key: upload.fields.key.replace(/[^/]+$/, "01ARZ3NDEKTSV4RRFFQ69G5FAV") } }, png, "image/png");
    expect(otherKey.status).toBe(403);
    const file = await api.call("GET", `/files/${fileId}`, { token: aliceToken });
    expect(file.body.status).toBe("pending");
  });

  it("shares a file by a link anyone can open until it is revoked", async () => {
    const { fileId, bytes } = uploaded["sunset.png"]!;
    const made = await api.call("POST", `/files/${fileId}/share`, { token: aliceToken, json: { expiresInSeconds: 600 } });
    expect(made.status).toBe(201);
    expect(made.body.url.startsWith(`${local.url}/s/`)).toBe(true);
    const opened = await fetch(made.body.url, { redirect: "manual" });
    expect(opened.status).toBe(302);
    const got = await fetch(opened.headers.get("location")!);
    expect(got.headers.get("content-disposition")).toContain("inline");
    expect(sha(await got.arrayBuffer())).toBe(sha(bytes));
    expect((await api.call("POST", `/files/${fileId}/share`, { token: bobToken, json: {} })).status).toBe(404);
    const listed = await api.call("GET", `/files/${fileId}/shares`, { token: aliceToken });
    expect(listed.body.shares.map((s: { shareId: string }) => s.shareId)).toEqual([made.body.shareId]);
    expect((await api.call("DELETE", `/files/${fileId}/share/${made.body.shareId}`, { token: aliceToken })).status).toBe(204);
    expect((await fetch(made.body.url, { redirect: "manual" })).status).toBe(404);
  });

  it("renames and deletes, twice without harm", async () => {
    const { fileId } = uploaded["sunset.png"]!;
    const renamed = await api.call("PATCH", `/files/${fileId}`, { token: aliceToken, json: { fileName: "dusk.png", tags: ["sky"] } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ fileName: "dusk.png", tags: ["sky"] });
    expect((await api.call("DELETE", `/files/${fileId}`, { token: aliceToken })).status).toBe(204);
    expect((await api.call("DELETE", `/files/${fileId}`, { token: aliceToken })).status).toBe(204);
    expect((await api.call("GET", `/files/${fileId}`, { token: aliceToken })).status).toBe(404);
    delete uploaded["sunset.png"];
  });

  it("ends every session at once on logout and on a password reset: old tokens get 403 from the next request", async () => {
    const carol = { email: `carol-${Date.now()}@example.com`, password: "Carol-pass-1!" };
    const first = await api.signUpAndLogin(carol.email, carol.password);
    const second = (await api.call("POST", "/login", { json: carol })).body;
    expect((await api.call("GET", "/me", { token: first.token })).status).toBe(200);
    expect((await api.call("GET", "/me", { token: second.token })).status).toBe(200);
    expect((await api.call("POST", "/logout", { token: first.token, json: { refreshToken: first.refreshToken } })).status).toBe(204);
    for (const token of [first.token, second.token]) expect((await api.call("GET", "/me", { token })).status).toBe(403);
    expect((await api.call("POST", "/refresh", { json: { refreshToken: second.refreshToken } })).status).toBe(401);
    // Alice's session is hers: untouched.
    expect((await api.call("GET", "/me", { token: aliceToken })).status).toBe(200);

    // Someone else signed in with the password (the reset is the owner taking the account back).
    const intruder = (await api.call("POST", "/login", { json: carol })).body;
    expect((await api.call("POST", "/forgot-password", { json: { email: carol.email } })).status).toBe(202);
    const code = (await api.call("GET", `/_local/outbox?to=${encodeURIComponent(carol.email)}`)).body.messages.at(-1).code;
    const reset = await api.call("POST", "/reset-password", { json: { email: carol.email, code, password: "Carol-new-pass-2!" } });
    expect(reset.status).toBe(200);
    // Signed in before the reset, whether in an earlier second or the same one: refused (sessions.ts).
    expect((await api.call("GET", "/me", { token: intruder.token })).status).toBe(403);
    expect((await api.call("POST", "/refresh", { json: { refreshToken: intruder.refreshToken } })).status).toBe(401);
  });

  it("keeps everything across a restart", async () => {
    const before = await api.call("GET", "/retrieve", { token: aliceToken });
    expect(await local.stop()).toBe(0);
    local = await startLocalProcess(env());
    api = apiClient(local.url);
    const { token } = (await api.call("POST", "/login", { json: alice })).body;
    const after = await api.call("GET", "/retrieve", { token });
    expect(after.body.files.map((f: { fileId: string }) => f.fileId)).toEqual(before.body.files.map((f: { fileId: string }) => f.fileId));
    const { fileId, bytes } = uploaded["tone café.wav"]!;
    const download = await api.call("GET", `/files/${fileId}/download`, { token });
    expect(sha(await (await fetch(download.headers.get("location")!)).arrayBuffer())).toBe(sha(bytes));
  });
});
