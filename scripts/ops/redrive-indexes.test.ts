import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { IndexDeps } from "@media/core/indexing";
import { startSqsConsumer } from "@media/local/queue/sqs-consumer";
import { apiEvent, context } from "@media/testing/lambda-events";
import { startLocalAws, type LocalAws } from "@media/testing/local-aws";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";
import { redriveLocal } from "./dead-letters";
import { openLocalQueues } from "./local-data";

/**
 * Redrive after a forced failure, with the real indexer: uploads through real presigned POSTs, their S3
 * events on the local runtime's durable queue, the real indexer handler failing on every attempt (its
 * table reads fail, as when DynamoDB is unavailable) until the queue dead-letters each message after 5
 * receives; then `redriveLocal` and the same indexer, working again, makes every file ready.
 */
type Handler = (e: ReturnType<typeof apiEvent>, c: ReturnType<typeof context>) => Promise<APIGatewayProxyStructuredResultV2>;
let aws: LocalAws;
let dataDir: string;
let indexer: (event: SQSEvent) => Promise<SQSBatchResponse>;
let deps: IndexDeps;
let uploadHandler: Handler;
let getFile: Handler;

beforeAll(async () => {
  aws = await startLocalAws({ maxFileBytes: 5_000_000, quotaBytes: 50_000_000 });
  dataDir = await mkdtemp(join(tmpdir(), "redrive-index-"));
  indexer = (await import("@media/functions/indexer")).handler;
  deps = (await import("@media/functions/indexer-services")).indexerDeps();
  uploadHandler = ((await import("@media/functions/api/upload")) as { handler: Handler }).handler;
  getFile = ((await import("@media/functions/api/get-file")) as { handler: Handler }).handler;
});
afterAll(async () => {
  vi.restoreAllMocks();
  await aws?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function status(userId: string, fileId: string): Promise<string> {
  const res = await getFile(apiEvent({ method: "GET", path: `/files/${fileId}`, pathParameters: { fileId }, userId }), context("get-file"));
  return (JSON.parse(res.body!) as { status: string }).status;
}

/** The local runtime's consumer over its queue with the real indexer, until nothing is left to deliver. */
async function consume() {
  const { queue, deadLetters } = await openLocalQueues(dataDir);
  const consumer = startSqsConsumer({ queue, handler: indexer, queueArn: "arn:aws:sqs:us-east-1:000000000000:media-index", region: "us-east-1", retryDelayMs: () => 0, onError: () => undefined });
  await consumer.idle();
  await consumer.stop();
  return { queue, deadLetters };
}

describe("redrive after a forced indexer failure", () => {
  it("dead-letters every upload while the indexer fails, then indexes every one after the redrive", async () => {
    const userId = randomUUID();
    const files: string[] = [];
    const { queue } = await openLocalQueues(dataDir);
    for (const [name, bytes, type] of [
      ["one.png", pngFixture(5, 3), "image/png"],
      ["two.wav", wavFixture(0.1), "audio/wav"],
      ["three.png", pngFixture(2, 2), "image/png"],
    ] as const) {
      const res = await uploadHandler(apiEvent({ method: "POST", path: "/upload", userId, body: { fileName: name, contentType: type, size: bytes.length } }), context("upload"));
      const presign = JSON.parse(res.body!) as { fileId: string; key: string; upload: { url: string; fields: Record<string, string> } };
      const form = new FormData();
      for (const [k, v] of Object.entries(presign.upload.fields)) form.append(k, v);
      form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
      expect((await fetch(presign.upload.url, { method: "POST", body: form })).status).toBe(204);
      // S3's own event record for it, onto the runtime's queue as the runtime's storage puts it there.
      const event = aws.s3Events.splice(0).find((r) => decodeURIComponent(r.s3.object.key) === presign.key)!;
      await queue.send(JSON.stringify({ Records: [event] }));
      files.push(presign.fileId);
    }

    const outage = vi.spyOn(deps.repo, "get").mockRejectedValue(new Error("DynamoDB unavailable"));
    const failed = await consume();
    expect(outage.mock.calls.length).toBe(3 * 5);
    outage.mockRestore();
    expect(failed.queue.size).toBe(0);
    expect(failed.deadLetters.size).toBe(3);
    for (const fileId of files) expect(await status(userId, fileId)).toBe("pending");

    const result = await redriveLocal({ dataDir, dryRun: false });
    expect(result).toMatchObject({ redriven: 3, failed: 0 });

    const after = await consume();
    expect(after.queue.size).toBe(0);
    expect(after.deadLetters.size).toBe(0);
    for (const fileId of files) expect(await status(userId, fileId)).toBe("ready");
    expect(await deps.repo.usage(userId, Date.now())).toMatchObject({ files: 3, reservedBytes: 0 });
  });
});
