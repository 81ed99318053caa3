import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredObject } from "@media/core/ports";
import { apiClient } from "@media/testing/api-client";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";
import { purgeUserCli } from "./purge-user-cli";
import { runInProcess, runScript } from "./run-script";
import { RuntimeUnderTest } from "@media/testing/runtime-under-test";
import { openLocalRecovery } from "./local-recovery";

/**
 * `npm run purge-user` against the local runtime: two users with files, thumbnails and a share link;
 * one is purged; everything of theirs is gone (account, link, objects, records, usage) and nothing of
 * the other's changed.
 */

/**
 * The script's main function in this process, as is the runtime (@media/testing/runtime-under-test); the one run as
 * a process of its own is the refusal while the runtime runs.
 */
const purge = (...args: string[]) => runInProcess(purgeUserCli, args);

let dataDir: string;
const runtime = new RuntimeUnderTest(() => ({ DATA_DIR: dataDir }));
let api: ReturnType<typeof apiClient>;
const alice = { email: `alice-${Date.now()}@example.com`, password: "Alice-pass-1!", token: "", userId: "" };
const bob = { email: `bob-${Date.now()}@example.com`, password: "Bob-pass-12!", token: "", userId: "" };

async function start() {
  api = await runtime.start();
}
const stop = () => runtime.stop();
async function upload(token: string, fileName: string, bytes: Buffer, contentType: string): Promise<string> {
  const presign = await api.call("POST", "/upload", { token, json: { fileName, contentType, size: bytes.length } });
  expect(presign.status).toBe(201);
  expect((await api.uploadTo(presign.body.upload, bytes, contentType, fileName)).status).toBeLessThan(300);
  expect((await api.waitForStatus(token, presign.body.fileId)).status).toBe("ready");
  return presign.body.fileId as string;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, compared as a whole
async function library(token: string): Promise<{ files: any[]; usage: unknown }> {
  const list = await api.call("GET", "/retrieve", { token });
  const me = await api.call("GET", "/me", { token });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  // Presigned URLs differ with each listing: only whether each exists is compared.
  const files = list.body.files.map(({ fileUrl, downloadUrl, thumbnailUrl, streamUrl, previewUrl, waveformUrl, ...rest }: any) => ({
    ...rest,
    hasThumbnail: !!thumbnailUrl,
    hasStream: !!streamUrl,
    hasPreview: !!previewUrl,
    hasWaveform: !!waveformUrl,
  }));
  return { files, usage: me.body.usage };
}

/** The renditions' status of each of the user's files (made, failed or none needed once the runtime has settled). */
async function renditionStatuses(token: string): Promise<string[]> {
  return (await library(token)).files.map((f: { renditions?: { status: string } }) => f.renditions?.status ?? "none");
}
/** Every object key in the local bucket, read with the runtime stopped. */
async function bucketKeys(): Promise<string[]> {
  const local = await openLocalRecovery(dataDir);
  try {
    const keys: string[] = [];
    for (const prefix of ["users/", "derived/"]) {
      let continuation: string | undefined;
      do {
        const page = await local.services.storage.list({ prefix, ...(continuation ? { continuation } : {}) });
        keys.push(...page.objects.map((o: StoredObject) => o.key));
        continuation = page.next;
      } while (continuation);
    }
    return keys.sort();
  } finally {
    await local.close();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "purge-user-"));
  await start();
  for (const u of [alice, bob]) Object.assign(u, await api.signUpAndLogin(u.email, u.password));
});

afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm run purge-user (local)", () => {
  it("removes everything of one user and nothing of another; a second run finds nothing", async () => {
    const aliceImage = await upload(alice.token, "a.png", pngFixture(6, 4), "image/png");
    await upload(alice.token, "a.wav", wavFixture(0.2), "audio/wav");
    await upload(bob.token, "b.png", pngFixture(4, 4), "image/png");
    await upload(bob.token, "b.wav", wavFixture(0.1), "audio/wav");
    const share = await api.call("POST", `/files/${aliceImage}/share`, { token: alice.token, json: {} });
    expect(share.status).toBe(201);
    const shareUrl = new URL(share.body.url as string);
    expect((await api.call("GET", shareUrl.pathname)).status).toBe(302);
    await runtime.settled();
    for (const u of [alice, bob]) expect(await renditionStatuses(u.token)).not.toContain("pending");
    const bobBefore = await library(bob.token);
    await stop();

    const keysBefore = await bucketKeys();
    const aliceKeys = keysBefore.filter((k) => k.includes(alice.userId));
    const bobKeys = keysBefore.filter((k) => k.includes(bob.userId));
    // Each: two originals, the image's thumbnail, the WAV's stream rendition and its waveform.
    expect(aliceKeys).toHaveLength(5);
    expect(bobKeys).toHaveLength(5);

    const dry = await purge(alice.userId, "--data-dir", dataDir, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would delete the account ${alice.userId}`);
    expect(dry.stdout).toContain("would delete 1 share link(s)");
    expect(dry.stdout).toContain(`would delete 2 original(s) under users/${alice.userId}/`);
    expect(dry.stdout).toContain(`would delete 3 derived file(s) under derived/${alice.userId}/`);
    expect(dry.stdout).toContain("would delete 2 file record(s)");
    expect(dry.stderr).toContain("would delete account yes, 1 share link(s), 2 original(s), 3 derived file(s), 2 record(s), usage item yes. Nothing changed (dry run).");
    expect(await bucketKeys()).toEqual(keysBefore);

    const run = await purge(alice.userId, "--data-dir", dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("deleted account yes, 1 share link(s), 2 original(s), 3 derived file(s), 2 record(s), usage item yes.");
    expect(await bucketKeys()).toEqual(bobKeys);

    const again = await purge(alice.userId, "--data-dir", dataDir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain(`nothing left of ${alice.userId}; nothing to do.`);

    await start();
    // The account is gone: the password no longer signs in, and the email can sign up afresh.
    expect((await api.call("POST", "/login", { json: { email: alice.email, password: alice.password } })).status).toBe(401);
    // The share link no longer opens.
    expect((await api.call("GET", shareUrl.pathname)).status).toBe(404);
    // Bob's library, usage and thumbnails are as they were.
    bob.token = (await api.call("POST", "/login", { json: { email: bob.email, password: bob.password } })).body.token;
    expect(await library(bob.token)).toEqual(bobBefore);
    const signup = await api.call("POST", "/signup", { json: { email: alice.email, password: alice.password } });
    expect(signup.status).toBe(201);
    expect(signup.body.userId).not.toBe(alice.userId);
  }, 240_000);

  it("refuses what is not a sub, and exits 3 while the runtime runs", async () => {
    expect((await purge("../../etc", "--data-dir", dataDir)).code).toBe(2);
    expect((await purge("--data-dir", dataDir)).code).toBe(2);
    if (!runtime.running) await start();
    const r = runScript("purge-user", [bob.userId, "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/local runtime is running on .*Stop it/s);
  });
});
