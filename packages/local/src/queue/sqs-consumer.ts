import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DurableQueue, StoredMessage } from "./durable-queue";

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface ConsumerOptions {
  queue: DurableQueue;
  handler: SqsHandler;
  queueArn: string;
  region: string;
  batchSize?: number;
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
 * A handler that throws fails the whole batch, as on AWS.
 */
export function startSqsConsumer(options: ConsumerOptions): { stop(): Promise<void>; idle(): Promise<void> } {
  const { queue, handler } = options;
  const batchSize = options.batchSize ?? 10;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const windowMs = options.batchingWindowMs ?? 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  const unsubscribe = queue.onMessage(() => wake?.());

  /** How long to hold a partial batch back, or 0 to deliver now. */
  function batchingDelay(now: number): number {
    if (windowMs <= 0) return 0;
    const visible = queue.visibleSentTimes(now);
    if (visible.length === 0 || visible.length >= batchSize) return 0;
    return Math.max(0, Math.min(...visible) + windowMs - now);
  }

  async function runOnce(): Promise<boolean | number> {
    const hold = batchingDelay(Date.now());
    if (hold > 0) return hold;
    const batch = await queue.receive(batchSize);
    if (batch.length === 0) return false;
    const event: SQSEvent = { Records: batch.map((m) => toRecord(m, options)) };
    let failed: Set<string>;
    try {
      const response = await handler(event);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      failed = new Set(batch.map((m) => m.messageId));
    }
    for (const message of batch) {
      if (failed.has(message.messageId)) await queue.changeVisibility(message.receiptHandle!, retryDelay(message.receiveCount) / 1000);
      else await queue.delete(message.receiptHandle!);
    }
    return true;
  }

  const loop = (async () => {
    while (!stopped) {
      let worked: boolean | number = false;
      try {
        worked = await runOnce();
      } catch (error) {
        options.onError?.(error);
      }
      if (worked === true) continue;
      const next = typeof worked === "number" ? Date.now() + worked : queue.nextVisibleAt();
      if (next === undefined) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
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
    async stop() {
      stopped = true;
      unsubscribe();
      wake?.();
      await loop;
    },
    /** Resolves when the queue holds no message at all (everything indexed or moved to the DLQ). */
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
