import { readdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSEvent } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeEventKey } from "@media/core/keys";
import { startSqsConsumer } from "@media/local/queue/sqs-consumer";
import { startLocalDynamo } from "@media/local/dynamo/local-dynamo";
import { LOCAL } from "@media/local/runtime";
import { describeBody, redriveLocal } from "./dead-letters";
import { localPaths, openLocalQueues, RuntimeRunningError } from "./local-data";

const queueArn = "arn:aws:sqs:us-east-1:000000000000:media-index";
const userId = "0f8fad5b-d9cb-469f-a165-70867728950e";
const keys = [`users/${userId}/01J0000000000000000000000A`, `users/${userId}/01J0000000000000000000000B`, `users/${userId}/01J0000000000000000000000C`];

/** An S3 event notification as S3 (and the local storage) puts it on the queue. */
function s3Body(key: string): string {
  return JSON.stringify({
    Records: [{ eventVersion: "2.1", eventSource: "aws:s3", eventName: "ObjectCreated:Post", s3: { bucket: { name: "media-local" }, object: { key: encodeEventKey(key), size: 10, sequencer: "0A" } } }],
  });
}

async function snapshot(dataDir: string) {
  const p = localPaths(dataDir);
  const list = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();
  return { queue: await list(p.queue), deadLetters: await list(p.deadLetters) };
}

/** Runs the local consumer over the queue with `handler` until the queue is empty, as the runtime does. */
async function consume(dataDir: string, handler: (e: SQSEvent) => Promise<void>) {
  const { queue, deadLetters } = await openLocalQueues(dataDir);
  const consumer = startSqsConsumer({ queue, handler, queueArn, region: "us-east-1", retryDelayMs: () => 0, onError: () => undefined });
  await consumer.idle();
  await consumer.stop();
  return { queue, deadLetters };
}

describe("redriveLocal", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "redrive-"));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Three storage events that the indexer failed 5 times each: they end in the dead-letter queue. */
  async function deadLetterThree() {
    const { queue } = await openLocalQueues(dataDir);
    for (const key of keys) await queue.send(s3Body(key));
    const { deadLetters } = await consume(dataDir, async () => {
      throw new Error("indexer down");
    });
    expect(deadLetters.size).toBe(3);
    expect(deadLetters.list().every((m) => m.receiveCount === 5)).toBe(true);
  }

  it("moves every dead letter back, and the next consumer run indexes them all", async () => {
    await deadLetterThree();

    const result = await redriveLocal({ dataDir, dryRun: false });
    expect(result).toMatchObject({ redriven: 3, alreadyQueued: 0, failed: 0, dryRun: false });
    expect(result.listed.map((m) => m.keys[0]).sort()).toEqual(keys);
    expect(result.listed.every((m) => m.receiveCount === 5 && typeof m.sentAt === "string")).toBe(true);
    const after = await snapshot(dataDir);
    expect(after.deadLetters).toEqual([]);
    expect(after.queue).toHaveLength(3);

    // The runtime starting again: its consumer indexes them now (the indexer works again), each from a fresh receive count.
    const indexed: string[] = [];
    const { queue, deadLetters } = await consume(dataDir, async (event) => {
      for (const r of event.Records) {
        expect(r.attributes.ApproximateReceiveCount).toBe("1");
        indexed.push(...describeBody(r.body).keys);
      }
    });
    expect(indexed.sort()).toEqual(keys);
    expect(queue.size).toBe(0);
    expect(deadLetters.size).toBe(0);
  });

  it("--dry-run lists and changes nothing", async () => {
    await deadLetterThree();
    const before = await snapshot(dataDir);
    const result = await redriveLocal({ dataDir, dryRun: true });
    expect(result).toMatchObject({ redriven: 0, dryRun: true });
    expect(result.listed).toHaveLength(3);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it("is idempotent: a second run finds nothing, and a run interrupted after sending does not send twice", async () => {
    await deadLetterThree();
    // As if an earlier run had sent the first dead letter back and died before removing it.
    const { queue, deadLetters } = await openLocalQueues(dataDir);
    const first = deadLetters.list()[0]!;
    await queue.send(first.body);

    const result = await redriveLocal({ dataDir, dryRun: false });
    expect(result).toMatchObject({ redriven: 2, alreadyQueued: 1, failed: 0 });
    const reopened = await openLocalQueues(dataDir);
    expect(reopened.queue.list().map((m) => m.body).sort()).toEqual(keys.map(s3Body).sort());
    expect(reopened.deadLetters.size).toBe(0);

    const again = await redriveLocal({ dataDir, dryRun: false });
    expect(again).toMatchObject({ listed: [], redriven: 0, alreadyQueued: 0 });
    expect((await openLocalQueues(dataDir)).queue.size).toBe(3);
  });

  it("refuses while the runtime is running on the data directory, and works once it stopped", async () => {
    await deadLetterThree();
    const before = await snapshot(dataDir);
    // What the runtime holds while it runs (redrive-cli.test.ts checks it against a running runtime's
    // lock from another process): its local DynamoDB, open on the directory's database.
    const held = await startLocalDynamo({ dir: localPaths(dataDir).dynamodb, tableName: LOCAL.table, region: LOCAL.region });
    try {
      await expect(redriveLocal({ dataDir, dryRun: false })).rejects.toBeInstanceOf(RuntimeRunningError);
      expect(await snapshot(dataDir)).toEqual(before);
    } finally {
      await held.close();
    }
    expect((await redriveLocal({ dataDir, dryRun: false })).redriven).toBe(3);
  });
});

describe("describeBody", () => {
  it("decodes the keys of S3 event records and names what is not one", () => {
    expect(describeBody(s3Body(`users/${userId}/My File+1.jpg`)).keys).toEqual([`users/${userId}/My File+1.jpg`]);
    expect(describeBody(JSON.stringify({ Event: "s3:TestEvent" }))).toEqual({ keys: [], note: "s3:TestEvent" });
    expect(describeBody("not json").note).toBe("body is not JSON");
  });
});
