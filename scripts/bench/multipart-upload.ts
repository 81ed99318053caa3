import { open, rm, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiClient } from "@media/testing/api-client";
import { track } from "./cleanup";
import type { BenchResult } from "./report";
import { startRuntime } from "./runtime-process";
import { MiB, nowMs, readProcMemory, resetPeak, sampleRss } from "./stats";
import { curlPost, writeWavFile } from "./storage-throughput";

/**
 * Issue 15: one large file (1 GiB by default) uploaded as a multipart upload with 4 parts in flight,
 * beside the single presigned POST of the same file (curl -F), MiB/s side by side; a client stopped at
 * 50% that resumes from `GET /files/{id}/parts` and sends only what is missing (bytes counted); and the
 * runtime's peak RSS above idle during the multipart upload (target < 100 MiB).
 *
 * Parts are sent with Node's fetch from a buffer of the part read from disk (4 parts of 5 MiB in memory
 * here, in the benchmark's process, not the runtime's): a Node client costs more CPU than curl, so the
 * multipart figure is a lower bound on this 2-core machine.
 */
const IN_FLIGHT = 4;

export async function run(options: { sizeMiB?: number; parentDir?: string } = {}): Promise<BenchResult> {
  const size = (options.sizeMiB ?? 1024) * MiB;
  const parent = options.parentDir ?? tmpdir();
  const work = await mkdtemp(join(parent, "bench-multipart-"));
  const removeWork = track(() => rm(work, { recursive: true, force: true }));
  try {
    const src = join(work, "source.wav");
    await writeWavFile(src, size);
    const limit = String(Math.max(2 * 1024 ** 3, 4 * size));
    const runtime = await startRuntime({ MAX_FILE_BYTES: limit, QUOTA_BYTES: limit }, { parentDir: parent });
    const file = await open(src, "r");
    try {
      const api = apiClient(runtime.url);
      const { token } = await api.signUpAndLogin(`multipart-${Date.now()}@bench.local`, "Bench-pass-1-Aa1!");
      const json = (method: string) => ({ fileName: "bench.wav", contentType: "audio/wav", size, ...(method === "post" ? {} : { method }) });

      // The single POST.
      const post = await api.call("POST", "/upload", { token, json: json("post") });
      if (post.status !== 201) throw new Error(`presign answered ${post.status}`);
      const t0 = nowMs();
      const posted = await curlPost(post.body.upload.url, post.body.upload.fields, src, "bench.wav", "audio/wav");
      const postSeconds = (nowMs() - t0) / 1000;
      if (posted < 200 || posted >= 300) throw new Error(`POST answered ${posted}`);

      // Multipart, 4 parts in flight, with the runtime's memory watched.
      const idle = (await readProcMemory(runtime.pid)).rss;
      const hwmReset = await resetPeak(runtime.pid);
      const sampler = sampleRss(runtime.pid, 20);
      const t1 = nowMs();
      const whole = await multipartUpload(api, token, file, size, json("multipart"));
      const multipartSeconds = (nowMs() - t1) / 1000;
      const mem = await sampler.stop();
      const peak = hwmReset ? Math.max(mem.peakSampled, mem.hwm) : mem.peakSampled;

      // Stopped at 50%, then resumed from the listing.
      const resumed = await multipartUpload(api, token, file, size, json("multipart"), 0.5);

      const postRate = size / MiB / postSeconds;
      const multipartRate = size / MiB / multipartSeconds;
      return {
        name: "multipart",
        figures: [
          { label: "single POST (curl -F)", value: postRate, unit: "MiB/s", digits: 0 },
          { label: `multipart, ${IN_FLIGHT} parts in flight`, value: multipartRate, unit: "MiB/s", digits: 0 },
          { label: "resumed after 50%: bytes sent again", value: resumed.resentBytes / MiB, unit: "MiB", target: { op: "<", value: 0.001, text: "only missing parts" }, digits: 1 },
          { label: "peak RSS above idle (multipart)", value: (peak - idle) / MiB, unit: "MiB", target: { op: "<", value: 100, text: "< 100 MiB" }, digits: 1 },
        ],
        notes: [
          `${size / MiB} MiB file in ${whole.parts} parts of ${whole.partSize / MiB} MiB; POST ${postSeconds.toFixed(2)} s, multipart ${multipartSeconds.toFixed(2)} s (sign, send and complete).`,
          `Resume: ${(resumed.firstBytes / MiB).toFixed(1)} MiB sent before the client stopped, ${(resumed.secondBytes / MiB).toFixed(1)} MiB sent after GET /files/{id}/parts (${((resumed.firstBytes + resumed.secondBytes) / MiB).toFixed(1)} MiB in all for ${size / MiB} MiB).`,
          `RSS: idle ${(idle / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB (${mem.samples} samples).`,
        ],
      };
    } finally {
      await file.close();
      await runtime.stop();
    }
  } finally {
    await removeWork();
  }
}

type Api = ReturnType<typeof apiClient>;
type FileHandle = Awaited<ReturnType<typeof open>>;

/**
 * Creates a multipart upload and sends its parts, IN_FLIGHT at a time. With `stopAt`, the first client
 * stops once that share of the parts was acknowledged (what it had in flight is lost); a second one then
 * lists what arrived and sends the rest. Counts the bytes each sent.
 */
async function multipartUpload(api: Api, token: string, file: FileHandle, size: number, json: Record<string, unknown>, stopAt?: number) {
  const created = await api.call("POST", "/upload", { token, json });
  if (created.status !== 201) throw new Error(`multipart create answered ${created.status} ${JSON.stringify(created.body)}`);
  const { fileId, multipart } = created.body as { fileId: string; multipart: { partSize: number; partCount: number } };
  const all = Array.from({ length: multipart.partCount }, (_, i) => i + 1);
  const stopAfter = stopAt === undefined ? Number.POSITIVE_INFINITY : Math.floor(multipart.partCount * stopAt);
  const firstBytes = await sendParts(api, token, fileId, file, size, multipart.partSize, all, stopAfter);

  let secondBytes = 0;
  let resentBytes = 0;
  if (stopAt !== undefined) {
    const listed = await api.call("GET", `/files/${fileId}/parts`, { token });
    const have = new Set((listed.body.parts as Array<{ partNumber: number }>).map((p) => p.partNumber));
    const missing = all.filter((n) => !have.has(n));
    secondBytes = await sendParts(api, token, fileId, file, size, multipart.partSize, missing, Number.POSITIVE_INFINITY);
    resentBytes = firstBytes + secondBytes - size;
  }
  const listed = await api.call("GET", `/files/${fileId}/parts`, { token });
  const parts = (listed.body.parts as Array<{ partNumber: number; eTag: string }>).map(({ partNumber, eTag }) => ({ partNumber, eTag }));
  const done = await api.call("POST", `/files/${fileId}/complete`, { token, json: { parts } });
  if (done.status !== 200) throw new Error(`complete answered ${done.status} ${JSON.stringify(done.body)}`);
  return { parts: multipart.partCount, partSize: multipart.partSize, firstBytes, secondBytes, resentBytes };
}

/** Sends `numbers`, IN_FLIGHT at a time, until `stopAfter` parts were acknowledged; returns the bytes sent. */
async function sendParts(api: Api, token: string, fileId: string, file: FileHandle, size: number, partSize: number, numbers: number[], stopAfter: number): Promise<number> {
  let sent = 0;
  let acknowledged = 0;
  let next = 0;
  const urls = new Map<number, string>();
  for (let i = 0; i < numbers.length; i += 1000) {
    const signed = await api.call("POST", `/files/${fileId}/parts`, { token, json: { partNumbers: numbers.slice(i, i + 1000) } });
    if (signed.status !== 200) throw new Error(`sign parts answered ${signed.status}`);
    for (const p of signed.body.parts as Array<{ partNumber: number; url: string }>) urls.set(p.partNumber, p.url);
  }
  const worker = async () => {
    while (next < numbers.length && acknowledged < stopAfter) {
      const partNumber = numbers[next++]!;
      const start = (partNumber - 1) * partSize;
      const length = Math.min(partSize, size - start);
      const body = Buffer.alloc(length);
      await file.read(body, 0, length, start);
      const res = await fetch(urls.get(partNumber)!, { method: "PUT", body: new Uint8Array(body.buffer, body.byteOffset, body.length) });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`part ${partNumber} answered ${res.status}`);
      sent += length;
      // Past the stop the client is gone: the parts it still had in flight arrived, their answers are lost.
      if (acknowledged >= stopAfter) return;
      acknowledged++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return sent;
}
