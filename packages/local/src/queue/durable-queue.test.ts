import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SQSEvent } from "aws-lambda";
import { DurableQueue } from "./durable-queue";
import { startSqsConsumer } from "./sqs-consumer";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "queue-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openPair() {
  const dlq = await DurableQueue.open({ dir: join(dir, "dlq"), name: "dlq", visibilityTimeoutSeconds: 30 });
  const queue = await DurableQueue.open({ dir: join(dir, "q"), name: "q", visibilityTimeoutSeconds: 30, deadLetter: { queue: dlq, maxReceiveCount: 5 } });
  return { queue, dlq };
}

describe("durable queue", () => {
  it("keeps accepted messages across a restart, in-flight ones reappearing after their timeout", async () => {
    const { queue } = await openPair();
    await queue.send("a", 1000);
    await queue.send("b", 1001);
    const [first] = await queue.receive(1, 2000);
    expect(first?.body).toBe("a");
    const reopened = (await openPair()).queue;
    expect(reopened.size).toBe(2);
    expect((await reopened.receive(10, 2001)).map((m) => m.body)).toEqual(["b"]);
    const later = await reopened.receive(10, 2000 + 31_000);
    expect(later.map((m) => [m.body, m.receiveCount])).toEqual([["a", 2], ["b", 2]]);
  });

  it("hides received messages, ignores stale receipts and deletes with the current one", async () => {
    const { queue } = await openPair();
    await queue.send("x", 0);
    const [m1] = await queue.receive(1, 10);
    expect(await queue.receive(1, 20)).toEqual([]);
    const [m2] = await queue.receive(1, 10 + 30_000);
    await queue.delete(m1!.receiptHandle!);
    expect(queue.size).toBe(1);
    await queue.delete(m2!.receiptHandle!);
    expect(queue.size).toBe(0);
    expect((await readdir(join(dir, "q"))).length).toBe(0);
  });

  it("moves a message to the dead-letter queue on the receive after the fifth", async () => {
    const { queue, dlq } = await openPair();
    const sent = await queue.send("poison", 0);
    for (let i = 1; i <= 5; i++) expect((await queue.receive(1, i * 60_000)).length).toBe(1);
    expect(await queue.receive(1, 6 * 60_000)).toEqual([]);
    expect(queue.size).toBe(0);
    expect(dlq.list().map((m) => [m.messageId, m.body, m.receiveCount])).toEqual([[sent.messageId, "poison", 5]]);
  });
});

describe("SQS consumer", () => {
  it("delivers SQS-shaped batches, retries only reported failures, and dead-letters a message that keeps failing", async () => {
    const { queue, dlq } = await openPair();
    const seen: SQSEvent[] = [];
    const attempts = new Map<string, number>();
    for (let i = 0; i < 8; i++) await queue.send(`ok-${i}`);
    await queue.send("flaky");
    await queue.send("bad");
    const consumer = startSqsConsumer({
      queue,
      queueArn: "arn:aws:sqs:us-east-1:000000000000:q",
      region: "us-east-1",
      retryDelayMs: () => 5,
      handler: async (event) => {
        seen.push(event);
        const failures = [];
        for (const r of event.Records) {
          attempts.set(r.body, (attempts.get(r.body) ?? 0) + 1);
          if (r.body === "bad" || (r.body === "flaky" && attempts.get("flaky")! < 3)) failures.push({ itemIdentifier: r.messageId });
        }
        return { batchItemFailures: failures };
      },
    });
    await consumer.idle();
    await consumer.stop();
    const record = seen[0]!.Records[0]!;
    expect(record).toMatchObject({ eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q", awsRegion: "us-east-1" });
    expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.receiptHandle).toContain(record.messageId);
    expect(record.attributes.ApproximateReceiveCount).toBe("1");
    expect(seen[0]!.Records.length).toBe(10);
    expect(attempts.get("ok-0")).toBe(1);
    expect(attempts.get("flaky")).toBe(3);
    expect(attempts.get("bad")).toBe(5);
    expect(dlq.list().map((m) => m.body)).toEqual(["bad"]);
  });

  it("holds a partial batch for the batching window, and delivers a full one at once", async () => {
    const { queue } = await openPair();
    const batches: number[] = [];
    const started = Date.now();
    const times: number[] = [];
    const consume = (batchingWindowMs: number) =>
      startSqsConsumer({
        queue,
        queueArn: "arn:aws:sqs:us-east-1:000000000000:q",
        region: "us-east-1",
        batchSize: 3,
        batchingWindowMs,
        handler: async (event) => {
          batches.push(event.Records.length);
          times.push(Date.now() - started);
        },
      });
    // Both queued before the consumer looks, however slow the sends: a partial batch, held for the window.
    await queue.send("a");
    await queue.send("b");
    const holding = consume(300);
    await holding.idle();
    await holding.stop();
    // A window no test could outwait: the third message fills the batch, which goes at once.
    const filling = consume(3_600_000);
    for (const x of ["c", "d", "e"]) await queue.send(x);
    await filling.idle();
    await filling.stop();
    expect(batches).toEqual([2, 3]);
    // The window is a lower bound, so this holds however busy the machine is.
    expect(times[0]).toBeGreaterThanOrEqual(290);
  });

  it("runs batches at once up to its concurrency: a batch that never answers holds up only itself, and fails at its timeout", async () => {
    const { queue } = await openPair();
    const attempts = new Map<string, number>();
    const done: string[] = [];
    let retry!: () => void;
    const retried = new Promise<void>((resolve) => (retry = resolve));
    const timeouts: number[] = [];
    const timedOut: Array<{ message: string; handledBefore: string[] }> = [];
    await queue.send("slow");
    for (let i = 0; i < 5; i++) await queue.send(`quick-${i}`);
    const consumer = startSqsConsumer({
      queue,
      queueArn: "arn:aws:sqs:us-east-1:000000000000:q",
      region: "us-east-1",
      batchSize: 1,
      concurrency: 2,
      timeoutMs: 1_000,
      retryDelayMs: () => 5,
      // What had been handled when the slow one's invocation timed out.
      onError: (error) => timedOut.push({ message: (error as Error).message, handledBefore: [...done] }),
      handler: async (event, context) => {
        timeouts.push(context.getRemainingTimeInMillis());
        const body = event.Records[0]!.body;
        attempts.set(body, (attempts.get(body) ?? 0) + 1);
        // The slow file's first invocation answers only once it is being retried: that is, once the
        // consumer has stopped waiting for it at its timeout.
        if (body === "slow" && attempts.get(body) === 1) await retried;
        if (body === "slow" && attempts.get(body) === 2) retry();
        done.push(body);
      },
    });
    await consumer.idle();
    await consumer.stop();
    // The others were handled beside the slow one, before its timeout, not after it.
    expect(timedOut).toEqual([{ message: "the handler ran past its 1 s timeout; its batch will be retried", handledBefore: expect.arrayContaining(["quick-0", "quick-1", "quick-2", "quick-3", "quick-4"]) }]);
    expect(attempts.get("slow")).toBe(2);
    // Each invocation's context counts down from the function's timeout.
    expect(timeouts.every((t) => t > 0 && t <= 1_000)).toBe(true);
  });

  it("stops within its grace while an invocation runs on, leaving that message to be delivered again", async () => {
    const { queue } = await openPair();
    await queue.send("long encode", 1000);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const consumer = startSqsConsumer({
      queue,
      queueArn: "arn:aws:sqs:us-east-1:000000000000:q",
      region: "us-east-1",
      timeoutMs: 600_000,
      handler: async () => {
        started();
        await held;
      },
    });
    await running;
    expect(await consumer.stop(10)).toBe(1);
    // Unfinished: still stored, received once, and handed out again (after its timeout) to the next start.
    const reopened = (await openPair()).queue;
    expect(reopened.size).toBe(1);
    const again = await reopened.receive(1, Date.now() + 31_000);
    expect(again.map((m) => [m.body, m.receiveCount])).toEqual([["long encode", 2]]);
    release();
  });

  it("without a grace, waits for the invocations under way and reports none left", async () => {
    const { queue } = await openPair();
    await queue.send("quick", 1000);
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    let handled = false;
    const consumer = startSqsConsumer({
      queue,
      queueArn: "arn:aws:sqs:us-east-1:000000000000:q",
      region: "us-east-1",
      handler: async () => {
        finish();
        await new Promise((resolve) => setImmediate(resolve));
        handled = true;
      },
    });
    await finishing;
    expect(await consumer.stop()).toBe(0);
    expect(handled).toBe(true);
    expect(queue.size).toBe(0);
  });
});
