import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { watch } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiFile } from "@media/core/contract/responses";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { pngFixture, wavFixture, wavHeader } from "@media/testing/minimal-media";
import { runCli } from "../src/cli/main";

/**
 * `media` as a user runs it, against `npm start`'s runtime: a folder of 50 mixed files up (some
 * refused), again (all skipped), listed, downloaded byte-identical, shared and deleted; an upload killed
 * mid-file and resumed; exit codes a script can test.
 *
 * The commands run in this process through `runCli`, the bin's own entry, with their streams,
 * environment and config folder handed in; the bin itself is spawned where only a process will do: the
 * upload killed mid-file, and the exit code and message a script sees through `npx media`.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const sha = (b: Buffer | ArrayBuffer) => createHash("sha256").update(Buffer.from(b as ArrayBuffer)).digest("hex");
const email = `dave-${Date.now()}@example.com`;
const password = "Dave-pass-12!";
let work: string;
let local: LocalProcess;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where the bin keeps its files given XDG_CONFIG_HOME=<work>/config, as env-paths puts them on Linux. */
const configDir = () => join(work, "config", "media");

/** One command line run in this process, as the bin runs it, with the user's environment. */
async function run(args: string[], options: { configDir?: string } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdin: Readable.from([]),
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { MEDIA_API_URL: local.url, MEDIA_PASSWORD: password },
    configDir: options.configDir ?? configDir(),
  });
  return { code, stdout, stderr };
}

/**
 * The `media` bin as its own process: by node itself (what `npx media` runs, without starting npm), or
 * through npx as a script would call it.
 */
const MEDIA_BIN = join(repoRoot, "packages/client/bin/media.js");

function spawnMedia(args: string[], via: "node" | "npx" = "node"): { done: Promise<Run>; kill: () => void } {
  const [command, prefix] = via === "npx" ? ["npx", ["--no-install", "media"]] : [process.execPath, [MEDIA_BIN]];
  const env = { ...process.env, MEDIA_API_URL: local.url, XDG_CONFIG_HOME: join(work, "config"), MEDIA_PASSWORD: password };
  const child = spawn(command, [...prefix, ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  // npx runs node under a shell: the whole process group is the command (detached, its own group).
  return { done, kill: () => process.kill(-child.pid!, "SIGKILL") };
}

const folder = () => join(work, "photos and sounds");
const expected = new Map<string, Buffer>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "media-cli-"));
  local = await startLocalProcess({ DATA_DIR: join(work, "data") });
  // 50 files: 40 PNGs and 6 WAVs, distinct in size, some in a subfolder; 2 PNGs named as MP3s (the
  // indexer finds out); 2 text files (refused before any upload). Few WAVs: each indexed audio file
  // starts an ffmpeg rendition in the runtime, seconds of CPU that prove nothing here.
  await mkdir(join(folder(), "more"), { recursive: true });
  for (let i = 0; i < 40; i++) expected.set(`${i < 20 ? "" : "more/"}image-${i}.png`, pngFixture(4 + i, 3));
  for (let i = 0; i < 6; i++) expected.set(`sound-${i}.wav`, wavFixture(0.05 + i * 0.01, 8000, 300 + i * 10));
  for (const [name, bytes] of expected) await writeFile(join(folder(), name), bytes);
  await writeFile(join(folder(), "fake-1.mp3"), pngFixture(30, 30));
  await writeFile(join(folder(), "more", "fake-2.mp3"), pngFixture(31, 30));
  await writeFile(join(folder(), "notes.txt"), "not media");
  await writeFile(join(folder(), "more", "todo.txt"), "nor this");
});

afterAll(async () => {
  await local?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("media, the command-line tool", () => {
  it("signs up, confirms and logs in, keeping the credentials owner-only", async () => {
    expect((await run(["signup", email])).code).toBe(0);
    const outbox = (await (await fetch(`${local.url}/_local/outbox?to=${encodeURIComponent(email)}`)).json()) as { messages: Array<{ code: string }> };
    expect((await run(["confirm", email, outbox.messages.at(-1)!.code])).code).toBe(0);
    const login = await run(["login", email]);
    expect(login.code, login.stderr).toBe(0);
    const file = join(configDir(), "credentials.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ apiUrl: local.url, session: { refreshToken: expect.any(String) } });
  });

  it("uploads a folder of 50 mixed files, with a summary of the refused ones and a failing exit code", async () => {
    const up = await run(["upload", folder(), "--concurrency", "6"]);
    expect(up.code, up.stderr).toBe(1);
    expect(up.stdout).toContain("46 uploaded, 0 skipped (already there), 4 rejected, 0 failed");
    expect(up.stdout).toMatch(/rejected .*notes\.txt: not an image or audio file name/);
    expect(up.stdout).toMatch(/rejected .*fake-1\.mp3: .+/);
    expect(up.stdout).toMatch(/rejected .*fake-2\.mp3: .+/);
  });

  it("skips the files already there by name and size, those rejected included", async () => {
    const again = await run(["upload", folder(), "--json"]);
    const outcomes = JSON.parse(again.stdout) as Array<{ status: string }>;
    // The 46 uploaded and the 2 the indexer rejected; the text files are refused again before any upload.
    expect(outcomes.filter((o) => o.status === "skipped")).toHaveLength(48);
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === "uploaded" || o.status === "ready")).toHaveLength(0);
  });

  it("lists with filters and as JSON, downloads every file back byte-identical", async () => {
    const list = JSON.parse((await run(["ls", "--json"])).stdout) as ApiFile[];
    expect(list.filter((f) => f.status === "ready")).toHaveLength(46);
    expect(list.filter((f) => f.status === "rejected").map((f) => f.fileName).sort()).toEqual(["fake-1.mp3", "fake-2.mp3"]);
    const audio = JSON.parse((await run(["ls", "--type", "audio", "--json"])).stdout) as ApiFile[];
    expect(audio.filter((f) => f.status === "ready")).toHaveLength(6);
    const text = await run(["ls", "-q", "image-7", "--limit", "5"]);
    expect(text.stdout.trim().split("\n")).toHaveLength(1);
    expect(text.stdout).toMatch(/ready .* image-7\.png$/m);

    const out = join(work, "downloads");
    const ready = list.filter((f) => f.status === "ready");
    const get = await run(["get", ...ready.map((f) => f.fileId), "-o", out]);
    expect(get.code, get.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual([...expected.keys()].map((k) => k.replace("more/", "")).sort());
    for (const [name, bytes] of expected) expect(sha(await readFile(join(out, name.replace("more/", ""))))).toBe(sha(bytes));
  });

  it("shares a file by a link anyone can open, and deletes files", async () => {
    const list = JSON.parse((await run(["ls", "--json", "-q", "sound-3"])).stdout) as ApiFile[];
    const file = list.find((f) => f.fileName === "sound-3.wav")!;
    const share = await run(["share", file.fileId, "--expires", "600"]);
    expect(share.code).toBe(0);
    const opened = await fetch(share.stdout.trim());
    expect(sha(await opened.arrayBuffer())).toBe(sha(expected.get("sound-3.wav")!));

    const rmd = await run(["rm", file.fileId]);
    expect(rmd.stdout.trim()).toBe(`deleted ${file.fileId}`);
    const me = JSON.parse((await run(["me", "--json"])).stdout) as { usage: { files: number } };
    expect(me.usage.files).toBe(45);
    expect((await fetch(share.stdout.trim(), { redirect: "manual" })).status).toBe(404);
  });

  it("resumes an upload killed mid-file with the same authorisation", async () => {
    const big = join(work, "long take.wav");
    const dataBytes = 48 * 1024 * 1024;
    // 48 kHz stereo, as a recorder makes it: 4 minutes, where 8 kHz mono would be 52 for the runtime's renditions to encode.
    await writeFile(big, Buffer.concat([wavHeader(dataBytes, 48_000, 2), Buffer.alloc(dataBytes)]));
    const journalFile = join(configDir(), "uploads.json");
    const journal = async () => JSON.parse(await readFile(journalFile, "utf8").catch(() => "{}")) as Record<string, { fileId: string }>;
    // The journal entry is written before the first byte is sent: that is the moment to kill.
    const watcher = watch(dirname(journalFile));
    const first = spawnMedia(["upload", big]);
    const entry = await new Promise<{ fileId: string }>((resolve) => {
      watcher.on("change", () => void journal().then((j) => Object.values(j)[0] && resolve(Object.values(j)[0]!)));
    });
    watcher.close();
    first.kill();
    await first.done;
    // Killed before the object was whole: the file is still waiting for its bytes.
    const interrupted = JSON.parse((await run(["ls", "--json", "-q", "long take"])).stdout) as ApiFile[];
    expect(interrupted.map((f) => [f.fileId, f.status])).toEqual([[entry.fileId, "pending"]]);

    const second = await run(["upload", big]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("1 uploaded");
    const list = JSON.parse((await run(["ls", "--json", "-q", "long take"])).stdout) as ApiFile[];
    expect(list.map((f) => [f.fileId, f.status, f.size])).toEqual([[entry.fileId, "ready", dataBytes + 44]]);
    expect(await journal()).toEqual({});
  });

  it("answers with exit codes a script can test", async () => {
    // Through npx, as a script calls it: the code and the message are the process's own.
    const usage = await spawnMedia(["ls", "--type", "video"], "npx").done;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("media: --type is image or audio.");
    const unknown = await run(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await run(["get", "01JZZZZZZZZZZZZZZZZZZZZZZZ", "-o", join(work, "none")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NotFound");
    const stranger = await run(["ls"], { configDir: join(work, "elsewhere", "media") });
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toContain("Not logged in");
  });
});
