import { availableParallelism } from "node:os";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { RENDITION_SETTINGS } from "@media/core/renditions/rendition-settings";
import { requireEventSourceGrants } from "./iam/event-source";
import { invokeAs } from "./iam/invocations";
import type { LocalIam } from "./iam/local-iam";
import type { DurableQueue } from "./queue/durable-queue";
import { openLocalQueue } from "./queue/local-queues";
import { startSqsConsumer } from "./queue/sqs-consumer";
import type { LocalTopic } from "./sns/topic";

/**
 * The Renditions stack, locally: the topic's `media.ready` events (the subscription's filter on the `type`
 * attribute, raw delivery: the body is the event) into a durable queue of their own with a dead-letter
 * queue, consumed by the real renditions handler under its own policy, one file per invocation with the
 * function's timeout. At most as many at once as the stack allows, and no more than there are cores:
 * ffmpeg and sharp keep a core busy each.
 */
export async function startLocalRenditions(options: {
  dataDir: string;
  topic: LocalTopic;
  iam: LocalIam;
  queueArn: string;
  region: string;
  log: { error(message: string, fields?: Record<string, unknown>): void };
}): Promise<{ queue: DurableQueue; deadLetters: DurableQueue; drained(): Promise<void>; stop(graceMs?: number): Promise<number> }> {
  const { queue, deadLetters } = await openLocalQueue(options.dataDir, "renditions");

  // Deliveries under way: SNS hands a message on after Publish returned, so `drained` waits for them first.
  const deliveries = new Set<Promise<void>>();
  const unsubscribe = options.topic.subscribe(async (notification) => {
    if (notification.MessageAttributes.type?.Value !== "media.ready") return;
    const delivery: Promise<void> = queue.send(notification.Message).then(
      () => void deliveries.delete(delivery),
      (error: unknown) => {
        deliveries.delete(delivery);
        throw error;
      },
    );
    deliveries.add(delivery);
    await delivery;
  });

  const renditions = (await import("@media/functions/renditions")) as { handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse> };
  requireEventSourceGrants(options.iam, "renditions", options.queueArn);
  const consumer = startSqsConsumer({
    queue,
    handler: (event, context) => invokeAs("renditions", () => renditions.handler(event, context)),
    functionName: "renditions",
    queueArn: options.queueArn,
    region: options.region,
    batchSize: RENDITION_SETTINGS.batchSize,
    concurrency: Math.max(1, Math.min(RENDITION_SETTINGS.maxConcurrency, availableParallelism())),
    timeoutMs: RENDITION_SETTINGS.timeoutSeconds * 1000,
    onError: (error) => options.log.error("renditions invocation failed", { error }),
  });

  return {
    queue,
    deadLetters,
    async drained() {
      while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
      await consumer.idle();
    },
    /** As the consumer's stop: resolves with how many invocations were left unfinished after `graceMs`. */
    async stop(graceMs?: number) {
      unsubscribe();
      return consumer.stop(graceMs);
    },
  };
}
