import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DurableQueue, StoredMessage } from "./durable-queue";

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface ConsumerOptions {
  queue: DurableQueue;
  handler: SqsHandler;
  queueArn: string;
  region: string;
  batchSize?: number;
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
  let stopped = false;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  const unsubscribe = queue.onMessage(() => wake?.());

  async function runOnce(): Promise<boolean> {
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
      let worked = false;
      try {
        worked = await runOnce();
      } catch (error) {
        options.onError?.(error);
      }
      if (worked) continue;
      const next = queue.nextVisibleAt();
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
