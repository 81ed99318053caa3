import { spawn } from "node:child_process";
import { randomBytes, randomFillSync } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { apiClient } from "../../packages/local/test/helpers/api-client";
import { wavHeader } from "../../packages/local/test/helpers/media-fixtures";
import { track } from "./cleanup";
import type { BenchResult } from "./report";
import { startRuntime } from "./runtime-process";
import { MiB, nowMs, readProcMemory, resetPeak, sampleRss } from "./stats";

/**
 * Issue 3: upload and download throughput of one large file through the local storage, against `cp`
 * of the same file on the same disk, and the runtime process's peak RSS during the upload.
 *
 * - The source file (a WAV of random samples, 1 GiB by default) is written once and fsynced; every later read of it
 *   (cp's, the upload's) comes from the page cache alike.
 * - cp: `cp src dst` timed (median of 3), as the target states it; and
 *   `cp src dst && sync dst` for context, since the local storage fsyncs an upload before it acknowledges
 *   it (and cp does not).
 * - Upload: a presigned POST obtained from the real API (`POST /upload`), sent as a streamed
 *   multipart/form-data body (every policy field, then the file read from disk in 1 MiB chunks) over
 *   node:http with a Content-Length, as `curl -F` does; timed from the first byte sent to S3's answer.
 * - Download: `GET /files/{id}/download` (302) then the presigned GET, the body streamed to a file on the
 *   same disk (no fsync, like cp), checked for its size and first/last MiB.
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
    const cpRate = size / MiB / cpSeconds;
    const cpSyncRate = size / MiB / cpSyncSeconds;
    const raw = await rawNodeHttp(src, join(work, "raw"), size);

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
      const t0 = nowMs();
      const status = await postMultipart(upload.url, upload.fields, src, size, "audio/wav");
      const uploadSeconds = (nowMs() - t0) / 1000;
      const mem = await sampler.stop();
      if (status < 200 || status >= 300) throw new Error(`upload answered ${status}`);
      const peak = hwmReset ? Math.max(mem.peakSampled, mem.hwm) : mem.peakSampled;
      if (!hwmReset) notes.push("VmHWM could not be reset: the peak is from 20 ms samples only.");

      // Only a ready file can be downloaded: let the indexer finish with it (also so it is not timed alongside).
      const indexed = (await api.waitForStatus(token, fileId, ["ready", "rejected"], 120_000).catch(() => undefined)) as { status: string; rejectionReason?: string } | undefined;
      let downloadSeconds = Number.NaN;
      if (indexed?.status === "ready") {
        const redirect = await api.call("GET", `/files/${fileId}/download`, { token });
        const location = redirect.headers.get("location");
        if (redirect.status !== 302 || !location) throw new Error(`download answered ${redirect.status}`);
        const dst = join(work, "download.bin");
        const t1 = nowMs();
        await getToFile(location, dst);
        downloadSeconds = (nowMs() - t1) / 1000;
        await checkSame(src, dst, size);
        await rm(dst);
      } else {
        notes.push(`download not measured: the indexer left the file ${indexed ? `${indexed.status} (${indexed.rejectionReason ?? ""})` : "pending after 120 s"}. Runtime log tail: ${runtime.output().trim().split("\n").slice(-3).join(" | ").slice(0, 600)}`);
      }

      const upRate = size / MiB / uploadSeconds;
      const downRate = size / MiB / downloadSeconds;
      const cpTarget = { op: ">=" as const, value: 70, text: "≥ 70% of cp" };
      notes.push(
        `${size / MiB} MiB file; cp ${cpSeconds.toFixed(2)} s (${cpRate.toFixed(0)} MiB/s), cp+sync ${cpSyncSeconds.toFixed(2)} s (${cpSyncRate.toFixed(0)} MiB/s); upload ${uploadSeconds.toFixed(2)} s, download ${downloadSeconds.toFixed(2)} s.`,
        `Against cp+sync (the storage fsyncs before acknowledging): upload ${((upRate / cpSyncRate) * 100).toFixed(0)}%, download ${((downRate / cpSyncRate) * 100).toFixed(0)}%.`,
        `Ceiling of the HTTP path itself: a bare node:http server process streaming the same file (PUT to disk with fsync, GET from disk) does ${raw.up.toFixed(0)} MiB/s up, ${raw.down.toFixed(0)} MiB/s down here; the local storage reaches ${((upRate / raw.up) * 100).toFixed(0)}% / ${((downRate / raw.down) * 100).toFixed(0)}% of that.`,
        `RSS: idle ${(idle / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB during the upload (${mem.samples} samples; VmHWM ${(mem.hwm / MiB).toFixed(1)} MiB).`,
      );
      return {
        name: "storage",
        figures: [
          { label: "cp (same disk)", value: cpRate, unit: "MiB/s", digits: 0 },
          { label: "upload (presigned POST)", value: upRate, unit: "MiB/s", digits: 0 },
          { label: "upload / cp", value: (upRate / cpRate) * 100, unit: "%", target: cpTarget, digits: 0 },
          { label: "download (presigned GET)", value: downRate, unit: "MiB/s", digits: 0 },
          { label: "download / cp", value: (downRate / cpRate) * 100, unit: "%", target: cpTarget, digits: 0 },
          { label: "(bare node:http upload)", value: raw.up, unit: "MiB/s", digits: 0 },
          { label: "(bare node:http download)", value: raw.down, unit: "MiB/s", digits: 0 },
          { label: "peak RSS above idle (upload)", value: (peak - idle) / MiB, unit: "MiB", target: { op: "<", value: 100, text: "< 100 MB" }, digits: 1 },
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
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", () => reject(new Error("raw server exited")));
    });
    const base = `http://127.0.0.1:${port}/`;
    const t0 = nowMs();
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(base, { method: "PUT", headers: { "content-length": size } }, (res) => {
        res.resume();
        res.once("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`raw PUT ${res.statusCode}`))));
      });
      req.once("error", reject);
      pipeline(createReadStream(src, { highWaterMark: MiB }), req).catch(reject);
    });
    const up = size / MiB / ((nowMs() - t0) / 1000);
    await rm(dst);
    const t1 = nowMs();
    await getToFile(base, dst);
    const down = size / MiB / ((nowMs() - t1) / 1000);
    await rm(dst);
    return { up, down };
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
  }
}

/**
 * A valid WAV file of exactly `size` bytes: a 44-byte PCM header (16-bit stereo, 44.1 kHz) and random
 * samples, so the indexer accepts it as the audio it is declared as and the file can be downloaded.
 */
async function writeWavFile(path: string, size: number): Promise<void> {
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

/** multipart/form-data, every field then the file last, streamed from disk with an exact Content-Length. */
function postMultipart(url: string, fields: Record<string, string>, file: string, size: number, contentType: string): Promise<number> {
  const boundary = `----bench${randomBytes(12).toString("hex")}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join("") + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.wav"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": head.length + size + tail.length } },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.write(head);
    const body = createReadStream(file, { highWaterMark: MiB });
    body.once("error", reject);
    body.pipe(req, { end: false });
    body.once("end", () => req.end(tail));
  });
}

function getToFile(url: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "GET" }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`presigned GET answered ${res.statusCode}`));
        return;
      }
      pipeline(res, createWriteStream(path, { highWaterMark: MiB })).then(resolve, reject);
    });
    req.once("error", reject);
    req.end();
  });
}

/** Same size, same first and last MiB: enough to know the download is the file, without hashing 1 GiB. */
async function checkSame(a: string, b: string, size: number): Promise<void> {
  if ((await stat(b)).size !== size) throw new Error(`downloaded ${(await stat(b)).size} bytes, expected ${size}`);
  const [ha, hb] = await Promise.all([open(a), open(b)]);
  try {
    for (const pos of [0, Math.max(0, size - MiB)]) {
      const len = Math.min(MiB, size);
      const [x, y] = [Buffer.alloc(len), Buffer.alloc(len)];
      await ha.read(x, 0, len, pos);
      await hb.read(y, 0, len, pos);
      if (!x.equals(y)) throw new Error(`downloaded bytes differ at offset ${pos}`);
    }
  } finally {
    await ha.close();
    await hb.close();
  }
}
