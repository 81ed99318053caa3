import { spawn, type ChildProcess, type ChildProcessByStdio } from "node:child_process";
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { apiClient } from "@media/testing/api-client";
import { wavHeader } from "@media/testing/minimal-media";
import { track } from "./cleanup";
import type { BenchResult } from "./report";
import { startRuntime } from "./runtime-process";
import { MiB, nowMs, readProcMemory, resetPeak, sampleRss } from "./stats";

/**
 * Issues 3 and 13: upload and download throughput of one large file through the local storage, and the
 * runtime process's peak RSS during the upload. Targets as issue 13 restates them: upload ≥ 80% of the
 * single-core MD5 rate measured in the same run (S3 needs the MD5 for the ETag), download ≥ 70% of `cp`
 * of the same file on the same disk, RSS growth < 100 MB.
 *
 * - The source file (a WAV of random samples, 1 GiB by default) is written once and fsynced; every later read of it
 *   (cp's, dd's, the upload's) comes from the page cache alike.
 * - The download target (≥ 70%) is measured against plain `cp src dst`, as issue 3 states it (median of 3). That
 *   cp is copy_file_range: an in-kernel copy from page cache to page cache that never touches the disk
 *   nor user space, while the storage must pass every byte through a process (HTTP, multipart, MD5 for
 *   the ETag) and fsyncs before it acknowledges. So the same transfer is also set against
 *   `cp && sync dst` (cp, then the file flushed to disk) and `dd bs=4M conv=fsync` (a copy through user
 *   space, then fsync), and against the MD5 of the same bytes on one core alone, the ceiling of any
 *   S3-compatible upload (its ETag is that MD5) and the upload target's measure.
 * - Ceiling of any download: the same curl fetching the file from a few lines of Python that answer with
 *   sendfile(2) (the kernel copies page cache to socket; no byte enters user space on the server side).
 *   No user-space server (Node has no sendfile) can be faster on this machine; `download / sendfile`
 *   says how much of that the storage reaches.
 * - The client runs on the same 2 cores as the server: its CPU time (curl's user + system, from
 *   /usr/bin/time) is reported beside the runtime's, since every second of it is taken from the server.
 * - Upload: a presigned POST obtained from the real API (`POST /upload`), sent with `curl -F` (every
 *   policy field, then the file, streamed from disk), timed from start to S3's answer.
 * - Download: `GET /files/{id}/download` (302) then the presigned GET with `curl -o /dev/null`, checked
 *   for its status and size. curl, not a Node client, on both sides: a Node HTTP client spent 4-8x the CPU
 *   of curl here and became the bottleneck on a 2-core machine. The runtime process's CPU time for each
 *   transfer is reported too: unlike MiB/s, it hardly depends on what else the machine is running.
 * - RSS: the runtime is its own process (`npm start`'s main.ts); its VmRSS is read from /proc before the
 *   upload (idle, handlers loaded), VmHWM is reset (clear_refs 5) and VmRSS sampled every 20 ms during the
 *   upload; the peak is the larger of the highest sample and VmHWM after.
 */
export async function run(options: { sizeMiB?: number; parentDir?: string } = {}): Promise<BenchResult> {
  const size = (options.sizeMiB ?? 1024) * MiB;
  const parent = options.parentDir ?? tmpdir();
  const work = await mkdtemp(join(parent, "bench-storage-"));
  const removeWork = track(() => rm(work, { recursive: true, force: true }));
  const notes: string[] = [];
  try {
    const src = join(work, "source.wav");
    await writeWavFile(src, size);

    // cp, on the same disk: the median of 3 (a lone cp into the page cache varies several-fold here).
    const copy = join(work, "copy.bin");
    const median3 = async (fn: () => Promise<void>) => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        runs.push(await timed(fn));
        await rm(copy);
      }
      return runs.sort((a, b) => a - b)[1]!;
    };
    const cpSeconds = await median3(() => exec("cp", [src, copy]));
    const cpSyncSeconds = await median3(async () => {
      await exec("cp", [src, copy]);
      await exec("sync", [copy]);
    });
    const ddSeconds = await median3(() => exec("dd", [`if=${src}`, `of=${copy}`, "bs=4M", "conv=fsync", "status=none"]));
    const cpRate = size / MiB / cpSeconds;
    const cpSyncRate = size / MiB / cpSyncSeconds;
    const ddRate = size / MiB / ddSeconds;
    const md5Rate = md5Ceiling(Math.min(size, 256 * MiB));
    const raw = await rawNodeHttp(src, join(work, "raw"), size);
    const sendfileRate = await sendfileCeiling(src, size).catch((error: Error) => {
      notes.push(`sendfile ceiling not measured: ${error.message}`);
      return Number.NaN;
    });

    const limit = String(Math.max(2 * 1024 ** 3, 2 * size));
    const runtime = await startRuntime({ MAX_FILE_BYTES: limit, QUOTA_BYTES: limit }, { parentDir: parent });
    try {
      if ((await stat(runtime.dataDir)).dev !== (await stat(work)).dev) notes.push("WARNING: DATA_DIR and the cp target are on different devices.");
      const api = apiClient(runtime.url);
      const { token } = await api.signUpAndLogin(`storage-${Date.now()}@bench.local`, "Bench-pass-1-Aa1!");
      const presign = await api.call("POST", "/upload", { token, json: { fileName: "bench.wav", contentType: "audio/wav", size } });
      if (presign.status !== 201) throw new Error(`presign answered ${presign.status} ${JSON.stringify(presign.body)}`);
      const { fileId, upload } = presign.body as { fileId: string; upload: { url: string; fields: Record<string, string> } };

      await new Promise((r) => setTimeout(r, 1000));
      const idle = (await readProcMemory(runtime.pid)).rss;
      const hwmReset = await resetPeak(runtime.pid);
      const sampler = sampleRss(runtime.pid, 20);
      const cpu0 = await processCpuSeconds(runtime.pid);
      const t0 = nowMs();
      const client = clientCpu();
      const status = await curlPost(upload.url, upload.fields, src, "bench.wav", "audio/wav");
      const uploadSeconds = (nowMs() - t0) / 1000;
      const uploadCpu = (await processCpuSeconds(runtime.pid)) - cpu0;
      const uploadClientCpu = client.since();
      const mem = await sampler.stop();
      if (status < 200 || status >= 300) throw new Error(`upload answered ${status}`);
      const peak = hwmReset ? Math.max(mem.peakSampled, mem.hwm) : mem.peakSampled;
      if (!hwmReset) notes.push("VmHWM could not be reset: the peak is from 20 ms samples only.");

      // Only a ready file can be downloaded: let the indexer finish with it (also so it is not timed alongside).
      const indexed = (await api.waitForStatus(token, fileId, ["ready", "rejected"], 120_000).catch(() => undefined)) as { status: string; rejectionReason?: string } | undefined;
      let downloadSeconds = Number.NaN;
      let downloadCpu = Number.NaN;
      let downloadClientCpu = Number.NaN;
      if (indexed?.status === "ready") {
        const redirect = await api.call("GET", `/files/${fileId}/download`, { token });
        const location = redirect.headers.get("location");
        if (redirect.status !== 302 || !location) throw new Error(`download answered ${redirect.status}`);
        const cpu1 = await processCpuSeconds(runtime.pid);
        const client1 = clientCpu();
        const t1 = nowMs();
        await curlGet(location, size);
        downloadSeconds = (nowMs() - t1) / 1000;
        downloadCpu = (await processCpuSeconds(runtime.pid)) - cpu1;
        downloadClientCpu = client1.since();
      } else {
        notes.push(`download not measured: the indexer left the file ${indexed ? `${indexed.status} (${indexed.rejectionReason ?? ""})` : "pending after 120 s"}. Runtime log tail: ${runtime.output().trim().split("\n").slice(-3).join(" | ").slice(0, 600)}`);
      }

      const upRate = size / MiB / uploadSeconds;
      const downRate = size / MiB / downloadSeconds;
      const cpTarget = { op: ">=" as const, value: 70, text: "≥ 70% of cp" };
      const md5Target = { op: ">=" as const, value: 80, text: "≥ 80% of MD5" };
      const pct = (rate: number, of: number) => `${((rate / of) * 100).toFixed(0)}%`;
      const gib = size / 1024 ** 3;
      notes.push(
        `${size / MiB} MiB file; cp ${cpSeconds.toFixed(2)} s (${cpRate.toFixed(0)} MiB/s), cp+sync ${cpSyncSeconds.toFixed(2)} s (${cpSyncRate.toFixed(0)} MiB/s), dd+fsync ${ddSeconds.toFixed(2)} s (${ddRate.toFixed(0)} MiB/s); upload ${uploadSeconds.toFixed(2)} s, download ${downloadSeconds.toFixed(2)} s.`,
        `The download target is measured against plain cp (an in-kernel copy_file_range into the page cache). Against cp+sync: upload ${pct(upRate, cpSyncRate)}, download ${pct(downRate, cpSyncRate)}; against dd+fsync (a copy through user space): upload ${pct(upRate, ddRate)}, download ${pct(downRate, ddRate)}.`,
        `MD5 of the same bytes alone, one core, no I/O: ${md5Rate.toFixed(0)} MiB/s. Every S3-compatible upload computes it (the ETag), so the upload cannot beat it (the target is 80% of it): that alone is ${pct(md5Rate, cpRate)} of cp.`,
        `Runtime process CPU time: upload ${uploadCpu.toFixed(2)} s (${(uploadCpu / gib).toFixed(2)} s/GiB, MD5 on its worker thread included), download ${downloadCpu.toFixed(2)} s (${(downloadCpu / gib).toFixed(2)} s/GiB). The client (curl) on the same 2 cores: upload ${uploadClientCpu.toFixed(2)} s, download ${downloadClientCpu.toFixed(2)} s of CPU.`,
        `Ceiling of any download here: the same curl from a sendfile(2) server (no user-space copy) does ${sendfileRate.toFixed(0)} MiB/s = ${pct(sendfileRate, cpRate)} of cp; the local storage reaches ${pct(downRate, sendfileRate)} of that.`,
        `Ceiling of the HTTP path itself: a bare node:http server process streaming the same file (PUT to disk with fsync, GET from disk; no parsing, no MD5), with the same curl client, does ${raw.up.toFixed(0)} MiB/s up, ${raw.down.toFixed(0)} MiB/s down here; the local storage reaches ${pct(upRate, raw.up)} / ${pct(downRate, raw.down)} of that.`,
        `RSS: idle ${(idle / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB during the upload (${mem.samples} samples; VmHWM ${(mem.hwm / MiB).toFixed(1)} MiB).`,
      );
      return {
        name: "storage",
        figures: [
          { label: "cp (same disk)", value: cpRate, unit: "MiB/s", digits: 0 },
          { label: "(cp + sync)", value: cpSyncRate, unit: "MiB/s", digits: 0 },
          { label: "(dd bs=4M conv=fsync)", value: ddRate, unit: "MiB/s", digits: 0 },
          { label: "(MD5 alone, one core)", value: md5Rate, unit: "MiB/s", digits: 0 },
          { label: "upload (presigned POST)", value: upRate, unit: "MiB/s", digits: 0 },
          { label: "upload / MD5 alone", value: (upRate / md5Rate) * 100, unit: "%", target: md5Target, digits: 0 },
          { label: "(upload / cp)", value: (upRate / cpRate) * 100, unit: "%", digits: 0 },
          { label: "(upload / cp + sync)", value: (upRate / cpSyncRate) * 100, unit: "%", digits: 0 },
          { label: "download (presigned GET)", value: downRate, unit: "MiB/s", digits: 0 },
          { label: "download / cp", value: (downRate / cpRate) * 100, unit: "%", target: cpTarget, digits: 0 },
          { label: "(download / cp + sync)", value: (downRate / cpSyncRate) * 100, unit: "%", digits: 0 },
          { label: "(bare node:http upload)", value: raw.up, unit: "MiB/s", digits: 0 },
          { label: "(bare node:http download)", value: raw.down, unit: "MiB/s", digits: 0 },
          { label: "(sendfile server download)", value: sendfileRate, unit: "MiB/s", digits: 0 },
          { label: "(download / sendfile server)", value: (downRate / sendfileRate) * 100, unit: "%", digits: 0 },
          { label: "peak RSS above idle (upload)", value: (peak - idle) / MiB, unit: "MiB", target: { op: "<", value: 100, text: "< 100 MiB" }, digits: 1 },
        ],
        notes,
      };
    } finally {
      await runtime.stop();
    }
  } finally {
    await removeWork();
  }
}

/**
 * The same transfer through a bare node:http server in its own process (no multipart parsing, no
 * signature, no checksum): what Node's HTTP streaming alone does on this machine, for reading the figures.
 */
async function rawNodeHttp(src: string, dst: string, size: number): Promise<{ up: number; down: number }> {
  const server = `
    const http = require("node:http"), fs = require("node:fs"), { pipeline } = require("node:stream/promises");
    const [src, dst] = process.argv.slice(1);
    const srv = http.createServer((req, res) => {
      if (req.method === "PUT") {
        pipeline(req, fs.createWriteStream(dst, { flush: true, highWaterMark: 1 << 20 })).then(() => res.end("ok"), (e) => { res.statusCode = 500; res.end(String(e)); });
      } else {
        res.writeHead(200, { "content-length": fs.statSync(src).size });
        pipeline(fs.createReadStream(src, { highWaterMark: 1 << 20 }), res).catch(() => {});
      }
    });
    srv.listen(0, "127.0.0.1", () => process.stdout.write("PORT " + srv.address().port + "\\n"));
    process.on("SIGTERM", () => process.exit(0));`;
  const child = spawn(process.execPath, ["-e", server, src, dst], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await announcedPort(child, "raw server");
    const base = `http://127.0.0.1:${port}/`;
    const t0 = nowMs();
    const status = await curl(["-T", src, base]);
    if (status !== "200") throw new Error(`raw PUT answered ${status}`);
    const up = size / MiB / ((nowMs() - t0) / 1000);
    const t1 = nowMs();
    await curlGet(base, size);
    const down = size / MiB / ((nowMs() - t1) / 1000);
    await rm(dst);
    return { up, down };
  } finally {
    await stopChild(child);
  }
}

/**
 * The fastest any server on this machine can hand the file to the same curl: a Python process answering
 * with sendfile(2), page cache to socket inside the kernel. Throws when python3 is not there.
 */
async function sendfileCeiling(src: string, size: number): Promise<number> {
  const server = [
    "import os, socket, sys",
    "src = sys.argv[1]",
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 0)); s.listen(8)",
    "print('PORT', s.getsockname()[1], flush=True)",
    "while True:",
    "    c, _ = s.accept(); head = b''",
    "    while b'\\r\\n\\r\\n' not in head:",
    "        d = c.recv(65536)",
    "        if not d: break",
    "        head += d",
    "    size = os.path.getsize(src)",
    "    c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % size)",
    "    with open(src, 'rb') as f:",
    "        off = 0",
    "        while off < size: off += os.sendfile(c.fileno(), f.fileno(), off, size - off)",
    "    c.close()",
  ].join("\n");
  const child = spawn("python3", ["-c", server, src], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await announcedPort(child, "the python3 sendfile server");
    const t0 = nowMs();
    await curlGet(`http://127.0.0.1:${port}/`, size);
    return size / MiB / ((nowMs() - t0) / 1000);
  } finally {
    await stopChild(child);
  }
}

/**
 * CPU time of the curl processes this process starts from now on (they are its only children while a
 * transfer is timed): user + system of reaped children, from getrusage(RUSAGE_CHILDREN) via /proc.
 */
function clientCpu(): { since(): number } {
  const start = childrenCpuSeconds();
  return { since: () => childrenCpuSeconds() - start };
}

/** cutime + cstime of this process (fields 16 and 17 of proc(5)): every waited-for child's CPU time. */
function childrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * A valid WAV file of exactly `size` bytes: a 44-byte PCM header (16-bit stereo, 44.1 kHz) and random
 * samples, so the indexer accepts it as the audio it is declared as and the file can be downloaded.
 */
export async function writeWavFile(path: string, size: number): Promise<void> {
  const handle = await open(path, "w");
  try {
    const header = wavHeader(size - 44, 44_100, 2);
    await handle.write(header);
    const chunk = Buffer.alloc(4 * MiB);
    for (let written = 44; written < size; written += chunk.length) {
      randomFillSync(chunk);
      await handle.write(chunk, 0, Math.min(chunk.length, size - written));
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** SIGTERM, then wait until it is reaped (so its CPU time is not counted as a later curl's, see clientCpu). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

function exec(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = nowMs();
  await fn();
  return (nowMs() - t0) / 1000;
}

/**
 * `curl -sS -o /dev/null -w FORMAT ARGS`: what it printed (the status by default). The bytes it receives
 * are dropped by curl itself, no copy into this process; a request that fails throws with curl's message.
 */
function curl(args: string[], format = "%{http_code}"): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", "-o", "/dev/null", "-w", format, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", (error) => reject(new Error(`the storage benchmark sends with curl, which could not run: ${error.message}`)));
    child.once("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`curl exited with ${code}: ${err.trim()}`))));
  });
}

/** multipart/form-data as a browser or `curl -F` sends it: every field (taken literally), then the file, streamed from disk. */
export async function curlPost(url: string, fields: Record<string, string>, file: string, filename: string, contentType: string): Promise<number> {
  const form = Object.entries(fields).flatMap(([name, value]) => ["--form-string", `${name}=${value}`]);
  return Number(await curl([...form, "-F", `file=@${file};filename=${filename};type=${contentType}`, url]));
}

/** GET with the body discarded; checks the status and that every byte arrived. */
async function curlGet(url: string, size: number): Promise<void> {
  const [status, received] = (await curl([url], "%{http_code} %{size_download}")).split(" ");
  if (status !== "200") throw new Error(`GET answered ${status}`);
  if (Number(received) !== size) throw new Error(`downloaded ${received} bytes, expected ${size}`);
}

/** CPU time (user + system, every thread) a process has used so far, from /proc. */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, fields 14 and 15 of proc(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** MD5 throughput of this process on one core over `bytes` of data in memory (1 MiB updates, as the storage hashes). */
function md5Ceiling(bytes: number): number {
  const chunk = randomBytes(MiB);
  const hash = createHash("md5");
  const t0 = nowMs();
  for (let done = 0; done < bytes; done += MiB) hash.update(chunk);
  hash.digest();
  return bytes / MiB / ((nowMs() - t0) / 1000);
}

/** The port a ceiling server child prints as `PORT n` once it listens; rejected if it fails or exits first. */
function announcedPort(child: ChildProcessByStdio<null, Readable, null>, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("error", reject);
    child.once("exit", () => reject(new Error(`${what} exited`)));
  });
}
