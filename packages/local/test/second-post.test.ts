import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { pngFixture } from "@media/testing/minimal-media";

/**
 * The security gap of issue 4, end to end through `npm start`'s entry point: a presigned POST policy stays
 * valid for its whole window, so its owner can POST other bytes to the same key after the file was
 * indexed. Uploads are made by curl itself, as the README shows users doing.
 */
const run = promisify(execFile);
const QUOTA_BYTES = 3_000_000;

let dataDir: string;
let local: LocalProcess;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-second-post-"));
  local = await startLocalProcess({ DATA_DIR: dataDir, MAX_FILE_BYTES: "1000000", QUOTA_BYTES: String(QUOTA_BYTES) });
  api = apiClient(local.url);
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** `curl -F` with every policy field (taken literally) and the file last; answers the HTTP status. */
async function curlPost(upload: { url: string; fields: Record<string, string> }, path: string, contentType: string): Promise<number> {
  const args = ["-sS", "-o", "/dev/null", "-w", "%{http_code}"];
  for (const [name, value] of Object.entries(upload.fields)) args.push("--form-string", `${name}=${value}`);
  args.push("-F", `file=@${path};type=${contentType}`, upload.url);
  const { stdout } = await run("curl", args);
  return Number(stdout);
}

describe("a second POST with the same policy, through the local runtime", () => {
  it("inspects the HTML page POSTed over an indexed PNG: the file ends rejected, its object gone, its usage given back", async () => {
    const { token } = await api.signUpAndLogin(`mallory-${Date.now()}@example.com`, "Mallory-pass-1!");
    const png = pngFixture(64, 48);
    const html = Buffer.from(`<!doctype html><html><body><script>alert(document.cookie)</script>${" ".repeat(200)}</body></html>`);
    const pngPath = join(dataDir, "photo.png");
    const htmlPath = join(dataDir, "page.png");
    await writeFile(pngPath, png);
    await writeFile(htmlPath, html);

    const presign = await api.call("POST", "/upload", { token, json: { fileName: "photo.png", contentType: "image/png", size: Math.max(png.length, html.length) } });
    expect(presign.status).toBe(201);
    const { fileId, upload } = presign.body;
    expect(await curlPost(upload, pngPath, "image/png")).toBe(204);
    const ready = await api.waitForStatus(token, fileId);
    expect(ready).toMatchObject({ status: "ready", size: png.length, metadata: { format: "png", width: 64, height: 48 } });
    expect((await api.call("GET", "/me", { token })).body.usage).toEqual({ files: 1, bytes: png.length, reservedBytes: 0, quotaBytes: QUOTA_BYTES });
    const share = await api.call("POST", `/files/${fileId}/share`, { token, json: { expiresInSeconds: 600 } });
    expect(share.status).toBe(201);
    expect((await fetch(ready.fileUrl)).status).toBe(200);
    expect((await fetch(ready.thumbnailUrl)).status).toBe(200);

    // The same policy fields, other bytes: S3 (and the local storage) accept it, the policy allows it.
    expect(await curlPost(upload, htmlPath, "image/png")).toBe(204);
    const rejected = await api.waitForStatus(token, fileId, ["rejected"]);
    expect(rejected).toMatchObject({ status: "rejected", rejectionReason: "The file's content is not a recognised image or audio format." });
    expect(rejected.fileUrl).toBeUndefined();
    expect(rejected.thumbnailUrl).toBeUndefined();
    // The record is rejected before the object goes (indexing.ts says why); media.rejected is announced
    // once it has gone.
    await local.waitForLine((l) => l.message === "media event" && l.type === "media.rejected" && l.fileId === fileId);
    // The URLs handed out while it was ready find nothing any more, and neither does the share link. Their
    // signer (get-file) may not list the bucket, so S3 answers the missing keys 403, not 404, as on AWS.
    expect((await fetch(ready.fileUrl)).status).toBe(403);
    expect((await fetch(ready.thumbnailUrl)).status).toBe(403);
    expect((await fetch(share.body.url, { redirect: "manual" })).status).toBe(404);
    expect((await api.call("GET", "/me", { token })).body.usage).toEqual({ files: 0, bytes: 0, reservedBytes: 0, quotaBytes: QUOTA_BYTES });

    // A third POST, a valid PNG this time, is removed too: the file stays rejected and counts nothing.
    expect(await curlPost(upload, pngPath, "image/png")).toBe(204);
    // Its event handled: the indexer logs it once the object is removed (nothing is announced for it).
    await local.waitForLine((l) => l.message === "indexed" && l.fileId === fileId && l.outcome === "skipped");
    expect((await fetch(ready.fileUrl)).status).toBe(403);
    expect((await api.call("GET", `/files/${fileId}`, { token })).body.status).toBe("rejected");
    expect((await api.call("GET", "/me", { token })).body.usage).toEqual({ files: 0, bytes: 0, reservedBytes: 0, quotaBytes: QUOTA_BYTES });
  });
});
