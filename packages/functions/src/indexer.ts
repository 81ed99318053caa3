import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { indexObject, S3NotificationSchema } from "@media/core/indexing";
import { log } from "./log";
import { services } from "./services";

/**
 * The SQS-triggered indexer. Each message is handled on its own; only the ones that failed are
 * reported, so SQS retries those (and after maxReceiveCount moves them to the DLQ) and not the batch.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      await processMessage(record);
    } catch (error) {
      log.error("index message failed", { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, error });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
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
    const result = await indexObject(services().indexing, record);
    log.info("indexed", { messageId: message.messageId, ...result });
  }
}
