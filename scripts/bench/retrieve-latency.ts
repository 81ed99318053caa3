import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDynamoMediaRepository } from "@media/functions/adapters/dynamo-media-repository";
import { newFileId } from "@media/core/ids";
import { thumbnailKey } from "@media/core/keys";
import type { MediaRecord } from "@media/core/media-record";
import { acceptContentType } from "@media/core/media-types";
import { loadLocalSecrets } from "@media/local/local-secrets";
import { LOCAL } from "@media/local/runtime";
import { apiClient } from "@media/testing/api-client";
import { Agent } from "node:http";
import { runLoad } from "./http-load";
import type { BenchResult } from "./report";
import { startRuntime } from "./runtime-process";
import { nowMs, summarize } from "./stats";

/**
 * Issue 5: `GET /retrieve` for a user with 10,000 files on the local runtime, first page and a deep page.
 *
 * Seeding: the user signs up through the API; the 10,000 records are then written through the real
 * repository adapter (createPending, which reserves quota, then markReady, which counts the file), against
 * the runtime's own dynalite (its endpoint comes from the runtime process), so the table holds exactly
 * what uploads indexed by the indexer would leave: ready records, the type index, the usage item. Not
 * through `POST /upload`: uploading 10,000 objects would time the storage rather than the listing. Files are a mix of
 * image/jpeg (2/3, each with a thumbnail, as the indexer leaves them) and audio/mpeg (1/3, without
 * cover art), one a minute over the last week, so a page signs 2 or 3 GET URLs per file (fileUrl,
 * downloadUrl, thumbnailUrl): about 133 for 50 files.
 *
 * Timing: requests one at a time (latency, not throughput) over keep-alive, after a warm-up; the first
 * page is `GET /retrieve` (limit 50, the default); the deep page is reached by following nextCursor 100
 * pages down (files 5,001-5,050), and that same cursor is then requested repeatedly.
 */
export async function run(options: { files?: number; samples?: number; depth?: number; parentDir?: string } = {}): Promise<BenchResult> {
  const files = options.files ?? 10_000;
  const samples = options.samples ?? 300;
  const depth = options.depth ?? Math.min(100, Math.floor((files - 1) / 50));
  const quota = 1024 ** 4;
  const runtime = await startRuntime({ QUOTA_BYTES: String(quota), MAX_FILE_BYTES: String(2 * 1024 ** 3) }, { parentDir: options.parentDir });
  // The runtime's admin key (the local IAM refuses a key it did not issue), as the recovery scripts use it.
  const { accessKeyId, secretAccessKey } = await loadLocalSecrets(runtime.dataDir);
  const dynamo = new DynamoDBClient({ region: LOCAL.region, endpoint: runtime.endpoints.dynamodb, credentials: { accessKeyId, secretAccessKey } });
  try {
    const api = apiClient(runtime.url);
    const { token, userId } = await api.signUpAndLogin(`retrieve-${Date.now()}@bench.local`, "Bench-pass-1-Aa1!");

    const seedStart = nowMs();
    await seed(DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), userId, files, quota);
    const seedSeconds = (nowMs() - seedStart) / 1000;
    const me = await api.call("GET", "/me", { token });
    if (me.body?.usage?.files !== files) throw new Error(`seeded ${files} files but /me says ${JSON.stringify(me.body)}`);

    const headers = { authorization: `Bearer ${token}` };
    // Walk down to the deep page, checking the listing is complete and in order on the way.
    let cursor: string | null = null;
    let seen = 0;
    let previous = "~";
    for (let page = 0; page < depth; page++) {
      const res = await api.call("GET", `/retrieve${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`, { token });
      if (res.status !== 200) throw new Error(`retrieve answered ${res.status} ${JSON.stringify(res.body)}`);
      for (const f of res.body.files as Array<{ fileId: string; contentType: string; fileUrl?: string; downloadUrl?: string; thumbnailUrl?: string }>) {
        if (!(f.fileId < previous)) throw new Error("retrieve is not newest first");
        previous = f.fileId;
        const image = f.contentType === "image/jpeg";
        if (!f.fileUrl || !f.downloadUrl || Boolean(f.thumbnailUrl) !== image) throw new Error(`file ${f.fileId} lacks its URLs: ${JSON.stringify(f)}`);
      }
      seen += res.body.files.length;
      cursor = res.body.nextCursor as string | null;
      if (!cursor) throw new Error(`only ${seen} files listed`);
    }
    const deepPath = `/retrieve?cursor=${encodeURIComponent(cursor!)}`;

    const measure = async (path: string) => {
      // The warm-up's connection is the measured run's (http-load.ts: a new one is set up under load).
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      await runLoad({ baseUrl: runtime.url, concurrency: 1, maxRequests: 20, maxDurationMs: 30_000, make: () => ({ method: "GET", path, headers }), agent });
      const r = await runLoad({ baseUrl: runtime.url, concurrency: 1, maxRequests: samples, maxDurationMs: 120_000, make: () => ({ method: "GET", path, headers }), agent }).finally(() => agent.destroy());
      const bad = r.errors + r.latencies.length - (r.statuses[200] ?? 0);
      if (bad) throw new Error(`${bad} of ${path} failed: ${JSON.stringify(r.statuses)} ${r.firstError ?? ""}`);
      return summarize(r.latencies);
    };
    const first = await measure("/retrieve");
    const deep = await measure(deepPath);
    const target = { op: "<" as const, value: 30, text: "p50 < 30 ms" };
    return {
      name: "retrieve",
      figures: [
        { label: "first page p50", value: first.p50, unit: "ms", target },
        { label: "first page p99", value: first.p99, unit: "ms" },
        { label: `deep page (page ${depth + 1}) p50`, value: deep.p50, unit: "ms", target },
        { label: `deep page (page ${depth + 1}) p99`, value: deep.p99, unit: "ms" },
      ],
      notes: [
        `${files} ready files seeded through the repository adapter (createPending + markReady) into the runtime's dynalite in ${seedSeconds.toFixed(1)} s; /me confirms ${files} files.`,
        `${first.count} sequential requests per page after 20 warm-up, limit 50 (each file's fileUrl and downloadUrl presigned, and each image's thumbnailUrl); deep page = files ${depth * 50 + 1}-${depth * 50 + 50}, reached by ${depth} nextCursor hops.`,
      ],
    };
  } finally {
    dynamo.destroy();
    await runtime.stop();
  }
}

/** `count` ready records for one user, written as the upload handler and the indexer would write them. */
async function seed(client: DynamoDBDocumentClient, userId: string, count: number, quota: number, parallel = 4): Promise<void> {
  // Usage-item races between the parallel writers are retried by the repository; allow it more rounds.
  const repo = createDynamoMediaRepository({ client, tableName: LOCAL.table, maxAttempts: 100 });
  const start = Date.now() - count * 60_000;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const at = start + i * 60_000;
        const audio = i % 3 === 2;
        const { contentType, kind } = acceptContentType(audio ? "audio/mpeg" : "image/jpeg");
        const size = 50_000 + (i % 1000) * 100;
        const now = Date.now();
        const record: MediaRecord = {
          userId,
          fileId: newFileId(at),
          fileName: `${audio ? "track" : "photo"}-${String(i).padStart(5, "0")}.${audio ? "mp3" : "jpg"}`,
          contentType,
          kind,
          size,
          status: "pending",
          uploadedAt: new Date(at).toISOString(),
          metadata: {},
          expiresAt: Math.ceil(now / 1000) + 3600,
        };
        await repo.createPending(record, quota, now);
        const metadata = audio ? { durationSeconds: 180 + (i % 120), bitrate: 192_000, sampleRate: 44_100, channels: 2 } : { width: 4032, height: 3024 };
        const facts = audio ? { size, metadata } : { size, metadata, thumbnailKey: thumbnailKey(userId, record.fileId) };
        if ((await repo.markReady(userId, record.fileId, facts)) !== "updated") throw new Error(`record ${record.fileId} did not become ready`);
      }
    }),
  );
}
