/**
 * Media pipeline benchmarks (issue 4), against local endpoints only (127.0.0.1):
 *
 *  1. Files indexed per second: 1,000 small JPEG photos (640×480, ~30 KB) uploaded to the local S3, their
 *     S3 event records handed to the real indexer handler in SQS batches of 10, one batch after another
 *     (one Lambda instance's worth), thumbnails included. Every file is checked to be ready with a thumbnail.
 *  2. Peak RSS while describing a 1 GiB WAV: the WAV is generated into a temporary file, streamed into the
 *     local S3 through a presigned POST, and indexed by the real handler bundled as for Lambda (esbuild, one
 *     minified ESM file, sharp external) in a node process of its own, whose peak RSS (VmHWM) is the
 *     figure. Target: under 150 MB.
 *
 *   npx tsx scripts/bench/pipeline.ts [--files 1000] [--wav-mib 1024] [--dir /tmp]
 *
 * `run()` returns the figures (name, figures, notes) for `npm run bench`; run directly, it prints them.
 * Everything it creates lives in temporary directories removed at the end; the only process it starts is
 * the indexer's process it waits for.
 */
import { spawn } from "node:child_process";
import { createWriteStream, openAsBlob } from "node:fs";
import { mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { wavHeader } from "@media/testing/minimal-media";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
// The handler's per-record log lines and EMF documents would bury the report (a thousand of each); the
// work of building them is not what this measures. Set before the handler is imported below.
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";

interface Figure {
  label: string;
  value: number;
  unit: string;
  target?: { op: ">=" | "<"; value: number; text: string };
  digits?: number;
}
export interface PipelineBenchResult {
  name: string;
  figures: Figure[];
  notes: string[];
}

const MiB = 1024 * 1024;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function run(options: { files?: number; wavMiB?: number; parentDir?: string } = {}): Promise<PipelineBenchResult> {
  const files = options.files ?? 1_000;
  const wavBytes = (options.wavMiB ?? 1024) * MiB;
  const work = await mkdtemp(join(options.parentDir ?? tmpdir(), "bench-pipeline-"));
  const figures: Figure[] = [];
  const notes: string[] = [];
  // The handlers read their configuration from the environment on first use: set it before importing them.
  const { startLocalAws } = await import("@media/testing/local-aws");
  const aws = await startLocalAws({ maxFileBytes: 2 * 1024 ** 3, quotaBytes: 1024 ** 4 });
  const quiet = silenceInfoLogs();
  try {
    const { presignUpload } = await import("@media/core/upload");
    const { thumbnailKey } = await import("@media/core/keys");
    const { services } = await import("../../packages/functions/src/services");
    const { handler: indexer } = await import("../../packages/functions/src/indexer");
    const { sqsEvent, sqsRecord } = await import("@media/testing/lambda-events");
    const sharp = (await import("sharp")).default;
    const { randomUUID } = await import("node:crypto");

    // ---- 1. throughput ----
    // 20 distinct photos (noise makes JPEG work like a real photo's), cycled over the uploads.
    const photos = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const noise = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 90 + i * 5, sigma: 40 } } }).png().toBuffer();
        return sharp(noise).blur(2).jpeg({ quality: 80 }).toBuffer();
      }),
    );
    const perUser = 50; // a user may hold 100 pending uploads at once
    const users = Array.from({ length: Math.ceil(files / perUser) }, () => randomUUID());
    const uploaded: Array<{ userId: string; fileId: string }> = [];
    const started = Date.now();
    for (let i = 0; i < files; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, files - i) }, async (_, j) => {
          const n = i + j;
          const bytes = photos[n % photos.length]!;
          const userId = users[Math.floor(n / perUser)]!;
          const presigned = await presignUpload(services().upload, userId, { fileName: `photo-${n}.jpg`, contentType: "image/jpeg", size: bytes.length });
          await postUpload(presigned.upload, new Blob([new Uint8Array(bytes)], { type: "image/jpeg" }), "image/jpeg");
          uploaded.push({ userId, fileId: presigned.fileId });
        }),
      );
    }
    const uploadSeconds = (Date.now() - started) / 1000;
    const records = aws.s3Events.splice(0);
    if (records.length !== files) throw new Error(`expected ${files} S3 events, got ${records.length}`);

    const t0 = performance.now();
    let failures = 0;
    for (let i = 0; i < records.length; i += 10) {
      const batch = sqsEvent(records.slice(i, i + 10).map((r) => sqsRecord({ Records: [r] })));
      failures += (await indexer(batch)).batchItemFailures.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    let ready = 0;
    let thumbnails = 0;
    const { repo, storage } = services().indexing;
    for (const { userId, fileId } of uploaded) {
      const rec = await repo.get(userId, fileId);
      if (rec?.status === "ready") ready++;
      if (rec?.thumbnailKey === thumbnailKey(userId, fileId) && (await storage.head(rec.thumbnailKey))) thumbnails++;
    }
    if (failures > 0 || ready !== files || thumbnails !== files) throw new Error(`indexed ${ready}/${files} ready, ${thumbnails} thumbnails, ${failures} failed messages`);
    figures.push({ label: `files indexed per second (${files} JPEGs 640×480, thumbnails included)`, value: files / seconds, unit: "files/s", digits: 1 });
    notes.push(
      `${files} photos of ${Math.round(photos.reduce((n, p) => n + p.length, 0) / photos.length / 1024)} KiB average, indexed in ${seconds.toFixed(1)} s ` +
        `by the real handler in ${Math.ceil(files / 10)} SQS batches of 10, one batch at a time (the handler works 4 messages at once); ` +
        `local S3, dynalite and SNS in the same process; ${cpus().length} CPUs; uploads took ${uploadSeconds.toFixed(1)} s (not counted).`,
    );

    // ---- 2. peak RSS for a 1 GiB WAV ----
    const wavPath = join(work, "big.wav");
    await writeWav(wavPath, wavBytes);
    const wavUser = randomUUID();
    const presigned = await presignUpload(services().upload, wavUser, { fileName: "big.wav", contentType: "audio/wav", size: wavBytes });
    // The client's path: a presigned POST, the file streamed from disk (a file-backed Blob).
    await postUpload(presigned.upload, await openAsBlob(wavPath, { type: "audio/wav" }), "audio/wav");
    const [wavEvent] = aws.s3Events.splice(0);
    if (!wavEvent) throw new Error("no S3 event for the WAV");
    const child = await runChild(work, { record: wavEvent });
    const record = await services().indexing.repo.get(wavUser, presigned.fileId);
    if (record?.status !== "ready") throw new Error(`the WAV ended ${record?.status}: ${record?.rejectionReason ?? ""}`);
    figures.push({
      label: `peak RSS describing a ${Math.round(wavBytes / MiB)} MiB WAV`,
      value: child.maxRssBytes / MiB,
      unit: "MiB",
      target: { op: "<", value: 150, text: "< 150 MiB" },
      digits: 1,
    });
    notes.push(
      `WAV: ${JSON.stringify(record.metadata)} in ${child.ms.toFixed(0)} ms; the indexer's process held ${(child.baselineRssBytes / MiB).toFixed(1)} MiB ` +
        `after loading its modules (SDK, sharp, parsers) and peaked at ${(child.maxRssBytes / MiB).toFixed(1)} MiB (VmHWM of that process alone); ` +
        `bytes of the object read: ${child.bytesRead ?? "n/a"}.`,
    );
    return { name: "pipeline", figures, notes };
  } finally {
    quiet.restore();
    await aws.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** A 16-bit stereo 48 kHz WAV of `bytes` bytes: a short tone repeated, written in 8 MiB chunks. */
async function writeWav(path: string, bytes: number): Promise<void> {
  const dataBytes = bytes - 44;
  const header = wavHeader(dataBytes, 48000, 2);
  const chunk = Buffer.alloc(8 * MiB);
  for (let i = 0; i < chunk.length / 4; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / 48000) * 8000);
    chunk.writeInt16LE(v, i * 4);
    chunk.writeInt16LE(v, i * 4 + 2);
  }
  const out = createWriteStream(path);
  const write = (b: Buffer) => new Promise<void>((resolve, reject) => (out.write(b, (e) => (e ? reject(e) : resolve()))));
  await write(header);
  for (let left = dataBytes; left > 0; left -= chunk.length) await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  if ((await stat(path)).size !== bytes) throw new Error("WAV size mismatch");
}

/** What a client does with `POST /upload`'s answer: every field, then the file, as multipart/form-data. */
async function postUpload(upload: { url: string; fields: Record<string, string> }, file: Blob, contentType: string): Promise<void> {
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
  form.append("file", file.type === contentType ? file : new Blob([file], { type: contentType }), "upload");
  const res = await fetch(upload.url, { method: "POST", body: form });
  if (res.status >= 300) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

/** The indexer logs one info line per file: not wanted in a benchmark's output. Warnings and errors stay. */
function silenceInfoLogs(): { restore(): void } {
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith('{"level":"info"')) return;
    log(...args);
  };
  return { restore: () => (console.log = log) };
}

interface ChildResult {
  maxRssBytes: number;
  baselineRssBytes: number;
  ms: number;
  bytesRead?: number;
}

/**
 * The indexer as Lambda runs it: one minified ESM file built by esbuild (the version SST bundles with)
 * with sharp external, loaded by plain node; it handles one SQS message and reports its own peak RSS.
 * Its entry is generated into the temporary directory, next to a node_modules link for sharp.
 */
async function runChild(work: string, input: { record: unknown }): Promise<ChildResult> {
  const src = (rel: string) => JSON.stringify(join(REPO_ROOT, rel));
  const entry = join(work, "indexer-child.mjs");
  await writeFile(
    entry,
    `import { handler } from ${src("packages/functions/src/indexer.ts")};
import { indexerDeps } from ${src("packages/functions/src/indexer-services.ts")};
let text = "";
for await (const chunk of process.stdin) text += chunk;
const { record } = JSON.parse(text);
// Count what the indexer reads from storage, to show it is not the whole file.
const deps = indexerDeps();
let bytesRead = 0;
const readRange = deps.storage.readRange.bind(deps.storage);
deps.storage.readRange = async (key, start, end) => {
  const b = await readRange(key, start, end);
  bytesRead += b?.length ?? 0;
  return b;
};
await import("sharp"); // as on the indexer's cold start
const baselineRssBytes = process.memoryUsage().rss;
const t0 = performance.now();
const message = { messageId: "bench-1", receiptHandle: "bench", body: JSON.stringify({ Records: [record] }), attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()), SenderId: "bench", ApproximateFirstReceiveTimestamp: String(Date.now()) }, messageAttributes: {}, md5OfBody: "", eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:bench", awsRegion: "us-east-1" };
const result = await handler({ Records: [message] });
const ms = performance.now() - t0;
if (result.batchItemFailures.length > 0) throw new Error("the message failed");
// The peak RSS of this process's own memory: Linux's VmHWM. Not getrusage's maxrss, which keeps the
// high-water mark of the parent's memory image that this process was forked from (kept across execve).
const { readFileSync } = await import("node:fs");
const hwm = /VmHWM:\\s+(\\d+) kB/.exec((() => { try { return readFileSync("/proc/self/status", "utf8"); } catch { return ""; } })());
const maxRssBytes = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
console.log("RESULT " + JSON.stringify({ maxRssBytes, baselineRssBytes, ms, bytesRead }));
`,
  );
  const esbuild = await import("esbuild");
  const bundle = join(work, "indexer-bundle.mjs");
  await esbuild.build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    external: ["sharp"],
    mainFields: ["module", "main"],
    logLevel: "error",
    banner: { js: `import { createRequire as __cr } from "module"; const require = __cr(import.meta.url);` },
  });
  await symlink(join(REPO_ROOT, "node_modules"), join(work, "node_modules"), "dir");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], { env: process.env, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) reject(new Error(`indexer child exited ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice("RESULT ".length)) as ChildResult);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

const direct = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (direct) {
  const { values } = parseArgs({ options: { files: { type: "string" }, "wav-mib": { type: "string" }, dir: { type: "string" } } });
  const result = await run({
    ...(values.files ? { files: Number(values.files) } : {}),
    ...(values["wav-mib"] ? { wavMiB: Number(values["wav-mib"]) } : {}),
    ...(values.dir ? { parentDir: values.dir } : {}),
  });
  for (const f of result.figures) {
    const target = f.target ? `  (target ${f.target.text}: ${f.target.op === "<" ? (f.value < f.target.value ? "PASS" : "MISS") : f.value >= f.target.value ? "PASS" : "MISS"})` : "";
    console.log(`${f.label}: ${f.value.toFixed(f.digits ?? 1)} ${f.unit}${target}`);
  }
  for (const n of result.notes) console.log(`  - ${n}`);
}
