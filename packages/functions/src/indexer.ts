import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { indexObject, S3NotificationSchema } from "@media/core/indexing";
import { indexerDeps } from "./indexer-services";
import { log } from "./log";

/**
 * Messages of a batch indexed at once. Indexing a file is mostly waiting on S3, DynamoDB and SNS, so a
 * few at a time fill the gaps; more would only make the image decodes compete for the CPU and memory.
 */
export const INDEXER_CONCURRENCY = 4;

/**
 * The SQS-triggered indexer. Each message is handled on its own; only the ones that failed are
 * reported, so SQS retries those (and after maxReceiveCount moves them to the DLQ) and not the batch.
 * Messages may be handled in any order and alongside each other: S3 keeps no order either, and indexing
 * is idempotent.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failed = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < event.Records.length) {
      const record = event.Records[next++]!;
      try {
        await processMessage(record);
      } catch (error) {
        log.error("index message failed", { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, error });
        failed.add(record.messageId);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(INDEXER_CONCURRENCY, event.Records.length) }, worker));
  return { batchItemFailures: event.Records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

async function processMessage(message: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    // A body that is not JSON will never become JSON: retrying cannot help, so drop it loudly.
    log.error("dropping a message that is not JSON", { messageId: message.messageId });
    return;
  }
  const parsed = S3NotificationSchema.safeParse(body);
  if (!parsed.success) {
    log.error("dropping a message that is not an S3 notification", { messageId: message.messageId, issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  if ("Event" in parsed.data) {
    log.info("ignoring s3:TestEvent", { messageId: message.messageId });
    return;
  }
  for (const record of parsed.data.Records) {
    const result = await indexObject(indexerDeps(), record);
    log.info("indexed", { messageId: message.messageId, ...result });
  }
}
