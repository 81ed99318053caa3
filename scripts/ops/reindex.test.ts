import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { originalKey } from "@media/core/keys";
import { newFileId } from "@media/core/ids";
import { keysFor, TABLE } from "@media/core/table";
import { LOCAL } from "@media/local/runtime";
import { apiClient } from "@media/testing/api-client";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";
import { reindexCli } from "./reindex-cli";
import { runInProcess, runScript } from "./run-script";
import { RuntimeUnderTest } from "@media/testing/runtime-under-test";
import { openLocalRecovery } from "./local-recovery";

/**
 * `npm run reindex` against the local runtime, as an operator runs it: files uploaded through the
 * runtime, the table lost (its directory deleted), the table rebuilt from the bucket, and the rebuilt
 * records and usage compared with what the runtime answered before, field by field.
 */

/**
 * The script's main function in this process, as is the runtime (@media/testing/runtime-under-test); the one run as
 * a process of its own is the refusal while the runtime runs.
 */
const reindex = (...args: string[]) => runInProcess(reindexCli, args);

let dataDir: string;
const runtime = new RuntimeUnderTest(() => ({ DATA_DIR: dataDir }));
let api: ReturnType<typeof apiClient>;
const users: Record<"alice" | "bob" | "carol", { token: string; userId: string; email: string; password: string }> = {} as never;

async function start() {
  api = await runtime.start();
}
const stop = () => runtime.stop();
async function login(who: keyof typeof users) {
  const u = users[who];
  const res = await api.call("POST", "/login", { json: { email: u.email, password: u.password } });
  expect(res.status).toBe(200);
  u.token = res.body.token;
}

// What a client sees of its library, without the presigned URLs (they are signed anew on every call).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, compared as a whole
async function library(who: keyof typeof users): Promise<{ files: any[]; usage: unknown }> {
  const list = await api.call("GET", "/retrieve?limit=100", { token: users[who].token });
  expect(list.status).toBe(200);
  const me = await api.call("GET", "/me", { token: users[who].token });
  expect(me.status).toBe(200);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  // Renditions are left out: they are made after a file is ready, by their own function, whenever it gets
  // to them (so "before" may or may not hold them); the rebuild asks for them again, and the first test
  // waits for them. What is compared is what the bucket itself can tell.
  const files = list.body.files.map(({ fileUrl, downloadUrl, thumbnailUrl, streamUrl, previewUrl, waveformUrl, renditions, ...rest }: any) => ({
    ...rest,
    hasFile: !!fileUrl,
    hasThumbnail: !!thumbnailUrl,
  }));
  return { files, usage: me.body.usage };
}

async function upload(who: keyof typeof users, fileName: string, bytes: Buffer, contentType: string): Promise<string> {
  const presign = await api.call("POST", "/upload", { token: users[who].token, json: { fileName, contentType, size: bytes.length } });
  expect(presign.status).toBe(201);
  const up = await api.uploadTo(presign.body.upload, bytes, contentType, fileName);
  expect(up.status, up.text).toBeLessThan(300);
  await api.waitForStatus(users[who].token, presign.body.fileId);
  return presign.body.fileId as string;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "reindex-"));
  await start();
  for (const who of ["alice", "bob", "carol"] as const) {
    const email = `${who}-${Date.now()}@example.com`;
    const password = `${who[0]!.toUpperCase()}${who.slice(1)}-pass-1!`;
    const { token, userId } = await api.signUpAndLogin(email, password);
    users[who] = { token, userId, email, password };
  }
});

afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm run reindex (local)", () => {
  const before: Record<string, Awaited<ReturnType<typeof library>>> = {};
  let disguisedKey = "";
  let legacyKey = "";

  it("rebuilds every record and the usage exactly after the table is lost", async () => {
    await upload("alice", "sunset.png", pngFixture(6, 4), "image/png");
    const aliceWav = await upload("alice", "tone café.wav", wavFixture(0.2), "audio/wav");
    await upload("alice", "Ünïcödé 😀 100%.png", pngFixture(3, 7), "image/png");
    // Disguised: a WAV declared as a PNG. The indexer rejects it and deletes the object.
    const rejectedId = await upload("alice", "not-really.png", wavFixture(0.1), "image/png");
    const bobWav = await upload("bob", "bob.wav", wavFixture(0.3, 16000), "audio/wav");
    for (const who of ["alice", "bob"] as const) before[who] = await library(who);
    expect(before.alice!.files.map((f) => f.status).sort()).toEqual(["ready", "ready", "ready", "rejected"]);
    expect(before.alice!.usage).toMatchObject({ files: 3 });
    await stop();

    // Meanwhile, uploads whose events were never indexed: carol's disguised file, and one of hers from
    // before objects carried their name.
    const local = await openLocalRecovery(dataDir);
    try {
      const put = async (bytes: Buffer, contentType: string, fileName?: string) => {
        const key = originalKey(users.carol.userId, newFileId());
        const post = await local.services.storage.presignPost({ key, contentType, maxBytes: bytes.length, expiresSeconds: 60, ...(fileName ? { fileName } : {}) });
        const form = new FormData();
        for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
        form.append("file", new Blob([new Uint8Array(bytes)]));
        expect((await fetch(post.url, { method: "POST", body: form })).status).toBe(204);
        return key;
      };
      disguisedKey = await put(wavFixture(0.1), "image/png", "holiday.png");
      legacyKey = await put(pngFixture(5, 5), "image/png");
    } finally {
      await local.close();
    }

    // The table is lost.
    await rm(join(dataDir, "dynamodb"), { recursive: true, force: true });

    const dry = await reindex("--data-dir", dataDir, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.match(/^would rebuild /gm)).toHaveLength(6);
    expect(dry.stdout).toContain(`${legacyKey} "${legacyKey.split("/")[2]}.png" (no name stored with the object`);
    expect(dry.stderr).toContain("Nothing changed (dry run).");
    // The dry run wrote nothing: the same six are still to be rebuilt.
    expect((await reindex("--data-dir", dataDir, "--dry-run")).stdout.match(/^would rebuild /gm)).toHaveLength(6);

    const run = await reindex("--data-dir", dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.match(/^rebuilt /gm)).toHaveLength(6);
    expect(run.stdout).toMatch(new RegExp(`^rebuilt +${disguisedKey} "holiday.png" → rejected: `, "m"));
    expect(run.stderr).toContain("6 rebuilt (5 ready, 1 rejected)");
    expect(run.stderr).toContain("1 without a stored name");
    // The rebuilt records hold no renditions: the two WAVs owe a stream and a waveform (the small PNGs
    // need none), requested on the renditions queue, once.
    const requested = run.stdout.match(/^renditions queued (\S+)$/gm)?.map((l) => l.split(" ")[2]);
    expect(requested?.sort()).toEqual([originalKey(users.alice.userId, aliceWav), originalKey(users.bob.userId, bobWav)].sort());
    expect(run.stderr).toContain("renditions requested for 2 file(s)");
    const waiting = await reindex("--data-dir", dataDir, "--dry-run");
    expect(waiting.stdout.match(/^renditions already queued /gm)).toHaveLength(2);

    await start();
    for (const who of ["alice", "bob", "carol"] as const) await login(who);
    // The runtime made the requested renditions as it started.
    await runtime.settled();
    expect(await renditionsOf("alice", aliceWav)).toEqual({ status: "ready" });
    expect(await renditionsOf("bob", bobWav)).toEqual({ status: "ready" });
    const after = { alice: await library("alice"), bob: await library("bob") };
    // The rejected upload's object was deleted when it was rejected: the bucket cannot tell of it again.
    const expectedAlice = before.alice!.files.filter((f) => f.fileId !== rejectedId);
    expect(after.alice.files).toEqual(expectedAlice);
    expect(after.alice.usage).toEqual(before.alice!.usage);
    expect(after.bob).toEqual(before.bob);
    // Thumbnails were made again and are served.
    const listed = await api.call("GET", "/retrieve?type=image", { token: users.alice.token });
    for (const f of listed.body.files) expect((await fetch(f.thumbnailUrl)).headers.get("content-type")).toBe("image/webp");

    const carol = await library("carol");
    const byKey = (key: string) => carol.files.find((f) => f.fileId === key.split("/")[2]);
    expect(byKey(disguisedKey)).toMatchObject({ fileName: "holiday.png", status: "rejected", hasFile: false });
    expect(byKey(legacyKey)).toMatchObject({ fileName: `${legacyKey.split("/")[2]}.png`, status: "ready", metadata: { width: 5, height: 5 } });
    expect(carol.usage).toMatchObject({ files: 1, bytes: pngFixture(5, 5).length });
    // (The disguised object is deleted from storage, as after a live rejection: the next run lists 5 objects, not 6.)
  }, 240_000);

  // What every library looks like after the rebuild: a second run and a usage repair must leave it so
  // (checked once, with the runtime started again after both).
  let rebuilt: Record<"alice" | "bob" | "carol", Awaited<ReturnType<typeof library>>>;

  it("changes nothing the second time", async () => {
    rebuilt = { alice: await library("alice"), bob: await library("bob"), carol: await library("carol") };
    await stop();
    // The data directory from DATA_DIR, as `npm start` takes it.
    const again = await runInProcess(reindexCli, [], { env: { DATA_DIR: dataDir } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Reindexing the local runtime's data in ${dataDir}`);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain("5 object(s), 5 record(s) already right, 0 rebuilt (0 ready, 0 rejected), usage corrected for 0 of 3 user(s). Nothing to do.");
  });

  it("recomputes a usage item that drifted from the records", async () => {
    const local = await openLocalRecovery(dataDir);
    try {
      // As a write around the repository (a hand edit, an older version's bug) would leave it.
      await corruptUsage(local.endpoints.dynamodb, users.bob.userId);
    } finally {
      await local.close();
    }
    const dry = await reindex("--data-dir", dataDir, "--dry-run");
    expect(dry.stdout).toMatch(new RegExp(`^usage +${users.bob.userId}: 7 file\\(s\\), 12345 bytes → 1 file\\(s\\), \\d+ bytes \\(would be set\\)$`, "m"));
    const run = await reindex("--data-dir", dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("usage corrected for 1 of 3 user(s)");
    await start();
    for (const who of ["alice", "bob", "carol"] as const) await login(who);
    expect({ alice: await library("alice"), bob: await library("bob"), carol: await library("carol") }).toEqual(rebuilt);
  });

  it("exits 3 while the runtime runs on the data directory", async () => {
    if (!runtime.running) await start();
    const r = runScript("reindex", ["--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/local runtime is running on .*Stop it/s);
  });
});

/** A file's renditions as the API answers them. */
async function renditionsOf(who: keyof typeof users, fileId: string): Promise<unknown> {
  const res = await api.call("GET", `/files/${fileId}`, { token: users[who].token });
  expect(res.status).toBe(200);
  return res.body.renditions;
}

async function corruptUsage(endpoint: string, userId: string) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: LOCAL.region, endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }));
  await client.send(
    new UpdateCommand({
      TableName: LOCAL.table,
      Key: { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage },
      UpdateExpression: "SET #f = :f, #b = :b, #c = :b",
      ExpressionAttributeNames: { "#f": "files", "#b": "bytes", "#c": "committed" },
      ExpressionAttributeValues: { ":f": 7, ":b": 12345 },
    }),
  );
  client.destroy();
}
