import { randomUUID } from "node:crypto";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { lambdaContext } from "../gateway/lambda-context";
import type { DurableQueue, StoredMessage } from "./durable-queue";

/** One invocation of the function, with a Lambda context whose remaining time counts down its timeout. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface ConsumerOptions {
  queue: DurableQueue;
  handler: SqsHandler;
  queueArn: string;
  /** The consuming function's name, for its context. */
  functionName?: string;
  region: string;
  batchSize?: number;
  /** Invocations running at once, as the event source's maximum concurrency allows on AWS. */
  concurrency?: number;
  /**
   * The function's timeout: an invocation that has not answered by then counts as failed, all its batch
   * retried, as when Lambda stops a function (here its work cannot be stopped, only no longer waited for).
   */
  timeoutMs?: number;
  /**
   * Lambda's MaximumBatchingWindowInSeconds: a partial batch waits until its oldest message is this old
   * (or the batch is full) before the handler is invoked.
   */
  batchingWindowMs?: number;
  /** Delay before a failed message is retried, by its receive count (SQS's visibility timeout does this on AWS). */
  retryDelayMs?: (receiveCount: number) => number;
  onError?: (error: unknown) => void;
}

/** Exponential, capped: 1 s, 2 s, 4 s … 60 s. */
export const defaultRetryDelay = (receiveCount: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, receiveCount - 1));

/**
 * Plays Lambda's SQS event source mapping: receives batches, invokes the handler with records in SQS's
 * own shape, deletes the messages that succeeded and honours `batchItemFailures` (ReportBatchItemFailures).
 * A handler that throws or runs past its timeout fails the whole batch, as on AWS. Up to `concurrency`
 * batches are handled at once, each in its own invocation, so a slow file holds up only its own batch.
 */
export interface SqsConsumer {
  /**
   * Stops receiving, then waits for the invocations under way: all of them (each ends within its timeout),
   * or for at most `graceMs`. Resolves with how many were still running then: their messages stay in the
   * queue, received and unfinished, and are delivered again once their visibility timeout ends, as when a
   * Lambda host is lost mid-invocation.
   */
  stop(graceMs?: number): Promise<number>;
  /** Resolves when the queue holds no message at all (everything indexed or moved to the DLQ). */
  idle(): Promise<void>;
}

export function startSqsConsumer(options: ConsumerOptions): SqsConsumer {
  const { queue, handler } = options;
  const batchSize = options.batchSize ?? 10;
  const concurrency = options.concurrency ?? 1;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const windowMs = options.batchingWindowMs ?? 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  const running = new Set<Promise<void>>();
  const unsubscribe = queue.onMessage(() => wake?.());

  /** How long to hold a partial batch back, or 0 to deliver now. */
  function batchingDelay(now: number): number {
    if (windowMs <= 0) return 0;
    const visible = queue.visibleSentTimes(now);
    if (visible.length === 0 || visible.length >= batchSize) return 0;
    return Math.max(0, Math.min(...visible) + windowMs - now);
  }

  /** Starts an invocation if there is a batch to hand over: true if one started, a delay to wait, or false. */
  async function startOne(): Promise<boolean | number> {
    const hold = batchingDelay(Date.now());
    if (hold > 0) return hold;
    const batch = await queue.receive(batchSize);
    if (batch.length === 0) return false;
    const invocation = invoke(batch).finally(() => {
      running.delete(invocation);
      wake?.(); // a slot is free, and failed messages may be visible again
    });
    running.add(invocation);
    return true;
  }

  async function invoke(batch: StoredMessage[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => toRecord(m, options)) };
    let failed: Set<string>;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timed out">((resolve) => (timer = setTimeout(() => resolve("timed out"), timeoutMs)));
    try {
      const response = await Promise.race([handler(event, lambdaContext(options.functionName ?? "indexer", randomUUID(), timeoutMs)), timedOut]);
      if (response === "timed out") throw new Error(`the handler ran past its ${timeoutMs / 1000} s timeout; its batch will be retried`);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      failed = new Set(batch.map((m) => m.messageId));
    } finally {
      clearTimeout(timer);
    }
    for (const message of batch) {
      try {
        if (failed.has(message.messageId)) await queue.changeVisibility(message.receiptHandle!, retryDelay(message.receiveCount) / 1000);
        else await queue.delete(message.receiptHandle!);
      } catch (error) {
        options.onError?.(error);
      }
    }
  }

  const polling = (async () => {
    while (!stopped) {
      let worked: boolean | number = false;
      if (running.size < concurrency) {
        try {
          worked = await startOne();
        } catch (error) {
          options.onError?.(error);
        }
        if (worked === true) continue;
      }
      if (queue.size === 0) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
      // All slots busy: the next invocation to end wakes the loop. Otherwise the batching window, the
      // next message to become visible, or a new message does.
      const next = running.size >= concurrency ? undefined : typeof worked === "number" ? Date.now() + worked : queue.nextVisibleAt();
      const wait = next === undefined ? 60_000 : Math.max(5, next - Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    async stop(graceMs = Number.POSITIVE_INFINITY) {
      stopped = true;
      unsubscribe();
      wake?.();
      await polling;
      if (running.size === 0) return 0;
      const settled = Promise.allSettled([...running]).then(() => 0);
      if (!Number.isFinite(graceMs)) return settled;
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(running.size), graceMs)));
      try {
        return await Promise.race([settled, graceOver]);
      } finally {
        clearTimeout(timer);
      }
    },
    idle() {
      if (queue.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

function toRecord(message: StoredMessage, options: ConsumerOptions): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle!,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}
