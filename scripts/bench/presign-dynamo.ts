import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver, constants as perf } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { presignUpload, type UploadDeps } from "@media/core/upload";
import { createDynamoMediaRepository } from "@media/functions/adapters/dynamo-media-repository";
import { createDynamoSessionCutoffs } from "@media/functions/adapters/dynamo-session-cutoffs";
import { createS3ObjectStorage } from "@media/functions/adapters/s3-object-storage";
import { s3Client } from "@media/functions/roots/clients/s3";
import { startLocalDynamo } from "@media/local/dynamo/local-dynamo";
import { LocalIam } from "@media/local/iam/local-iam";
import { readProcCpuMs, readThreadCpuMs } from "./stats";

/**
 * The DynamoDB half of a presign without the gateway, the authorizer's token check or the load
 * generator's HTTP: the session-cut GetItem and the presign's TransactWriteItems (the real adapters, the
 * real core call with its S3 POST policy), against the local DynamoDB in its own thread with IAM on, as
 * the runtime runs it. CPU per presign of the table's thread and of this process's other threads, from
 * /proc, so a change to packages/local/src/dynamo can be measured apart from everything else running in
 * the full benchmark (presign-rate.ts), and with less noise on a busy machine.
 *
 *   npx tsx scripts/bench/presign-dynamo.ts [--count 4000] [--concurrency 16] [--rounds 3]
 */
const { values } = parseArgs({ options: { count: { type: "string", default: "4000" }, concurrency: { type: "string", default: "16" }, rounds: { type: "string", default: "3" } } });
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const region = "us-east-1";
const accountId = "000000000000";
const tableName = "bench-presign";
const admin = { accessKeyId: "AKIALOCALBENCHADMIN0", secretAccessKey: "bench-secret-bench-secret-bench-secret-00" };
const dir = await mkdtemp(join(tmpdir(), "presign-dynamo-"));
// The runtime's IAM (runtime.ts): each function signs with its own key and is held to its role's policy.
const arns = {
  "AWS::S3::Bucket": "arn:aws:s3:::bench",
  "AWS::DynamoDB::Table": `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`,
  "AWS::SNS::Topic": `arn:aws:sns:${region}:${accountId}:bench`,
  "AWS::SQS::Queue": `arn:aws:sqs:${region}:${accountId}:bench`,
  "AWS::Cognito::UserPool": `arn:aws:cognito-idp:${region}:${accountId}:userpool/${region}_Bench`,
};
const iam = new LocalIam({ admin, resources: { region, accountId, arns, functionArns: { renditions: { "AWS::SQS::Queue": arns["AWS::SQS::Queue"] } } } });
const dynamo = await startLocalDynamo({ dir, tableName, region, iam: { iam, accountId } });
try {
  const upload = iam.credentialsFor("api/upload");
  const client = new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials: upload });
  const writer = new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials: upload, cacheMiddleware: true });
  const reader = new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials: iam.credentialsFor("authorizer"), cacheMiddleware: true });
  const repo = createDynamoMediaRepository({ client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), writer, tableName });
  const cutoffs = createDynamoSessionCutoffs({ client: reader, tableName });
  // The functions' own S3 client (their copy of the SDK), as the upload handler builds it; presigning calls nothing.
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: upload.accessKeyId, AWS_SECRET_ACCESS_KEY: upload.secretAccessKey, AWS_REGION: region });
  const s3 = s3Client(region, true);
  const deps: UploadDeps = {
    repo,
    storage: createS3ObjectStorage({ client: s3, bucket: "bench" }),
    clock: { now: () => Date.now() },
    limits: { maxFileBytes: 2 * 1024 ** 3, quotaBytes: 1024 ** 4, uploadExpiresSeconds: 900, urlExpiresSeconds: 900 },
  };
  const users = 256;
  let next = 0;
  const presign = async (i: number) => {
    const userId = `00000000-0000-4000-8000-${String(i % users).padStart(12, "0")}`;
    await cutoffs.cutoff(userId);
    await presignUpload(deps, userId, { fileName: `bench-${i}.png`, contentType: "image/png", size: 1024 });
  };
  const pass = async (n: number) => {
    const end = next + n;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < end) await presign(next++);
      }),
    );
  };
  await pass(Math.min(1000, count));
  const pid = process.pid;
  // This thread's collections (the caller's side: SDK, core, adapters), by kind: their count is set by
  // what is allocated and kept, not by how busy the machine is.
  const gcs = { minor: 0, major: 0, ms: 0 };
  const gcWatch = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === perf.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
      else if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
      gcs.ms += entry.duration;
    }
  });
  gcWatch.observe({ entryTypes: ["gc"] });
  for (let round = 0; round < rounds; round++) {
    Object.assign(gcs, { minor: 0, major: 0, ms: 0 });
    const before = { threads: await readThreadCpuMs(pid), main: await readProcCpuMs(pid, pid), started: performance.now() };
    await pass(count);
    const elapsed = performance.now() - before.started;
    const after = await readThreadCpuMs(pid);
    const main = ((await readProcCpuMs(pid, pid))! - before.main!) / count;
    const others = [...after].filter(([tid]) => tid !== pid).map(([tid, ms]) => ms - (before.threads.get(tid) ?? 0)).sort((a, b) => b - a);
    const table = others[0]! / count;
    if (process.env.BENCH_THREADS) process.stdout.write(`  threads (ms per presign): ${others.map((ms) => (ms / count).toFixed(3)).join(" ")}\n`);
    const rest = others.slice(1).reduce((a, b) => a + b, 0) / count;
    process.stdout.write(
      `round ${round + 1}: ${count} presigns in ${(elapsed / 1000).toFixed(1)} s (${Math.round(count / (elapsed / 1000))}/s), CPU per presign: table thread ${table.toFixed(3)} ms, caller (SDK + core) ${main.toFixed(3)} ms, other threads ${rest.toFixed(3)} ms; caller's GC: ${gcs.minor} minor, ${gcs.major} major, ${(gcs.ms / count).toFixed(3)} ms per presign; load ${(await import("node:os")).loadavg()[0]!.toFixed(2)}\n`,
    );
  }
  gcWatch.disconnect();
  for (const c of [client, writer, reader, s3]) c.destroy();
} finally {
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
}
