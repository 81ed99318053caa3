import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { indexObject, type IndexOutcome } from "@media/core/indexing";
import { S3NotificationSchema, type S3EventRecord } from "@media/core/s3-notification";
import { decodeEventKey, parseOriginalKey } from "@media/core/keys";
import { indexerDeps } from "./indexer-services";
import { addToLogScope, log, withLogScope } from "./log";
import { flushMetrics } from "./metrics";
import { metrics } from "./metrics-sink";

/**
 * Messages of a batch indexed at once. Indexing a file is mostly waiting on S3, DynamoDB and SNS, so a
 * few at a time fill the gaps; more would only make the image decodes compete for the CPU and memory.
 */
export const INDEXER_CONCURRENCY = 4;
/**
 * Time kept back from the end of the invocation to answer with the failed message ids and flush the
 * metrics. A record still being indexed then is reported as failed on its own (SQS retries it): had the
 * invocation run out of time instead, Lambda would fail, and retry, the whole batch.
 */
export const RESPONSE_RESERVE_MS = 3_000;

/**
 * The SQS-triggered indexer. Each message is handled on its own; only the ones that failed are
 * reported, so SQS retries those (and after maxReceiveCount moves them to the DLQ) and not the batch.
 * Messages may be handled in any order and alongside each other: S3 keeps no order either, and indexing
 * is idempotent. Every line carries Lambda's request id and the message id, and, per S3 record, the
 * owner's `sub` and the `fileId` that POST /upload logged; the invocation's metrics are flushed once.
 */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return withLogScope({ awsRequestId: context?.awsRequestId }, async () => {
    try {
      // Without a context (a direct call) there is no invocation deadline to keep.
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS : Number.POSITIVE_INFINITY;
      return await indexBatch(event, deadline);
    } finally {
      flushMetrics();
    }
  });
}

async function indexBatch(event: SQSEvent, deadline: number): Promise<SQSBatchResponse> {
  const failed = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < event.Records.length) {
      const record = event.Records[next++]!;
      await withLogScope({ messageId: record.messageId }, async () => {
        try {
          // Past the deadline a message is not started at all: it would only run on, unseen, in the background.
          if (Date.now() >= deadline) throw new OutOfTimeError();
          await beforeDeadline(processMessage(record), deadline);
        } catch (error) {
          log.error("index message failed", { receiveCount: record.attributes?.ApproximateReceiveCount, error });
          failed.add(record.messageId);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(INDEXER_CONCURRENCY, event.Records.length) }, worker));
  return { batchItemFailures: event.Records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

export class OutOfTimeError extends Error {
  override readonly name = "OutOfTimeError";
  constructor() {
    super("the invocation's time ran out before this message was indexed; SQS will deliver it again");
  }
}

/**
 * The work's outcome, or OutOfTimeError at the deadline. The work itself cannot be stopped from here and
 * goes on in the background (on Lambda, frozen with the invocation); indexing is idempotent, so its
 * redelivery finds whatever it got done.
 */
async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  if (deadline === Number.POSITIVE_INFINITY) return work;
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const lateness = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new OutOfTimeError());
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, lateness]);
  } finally {
    clearTimeout(timer);
    // The message was reported as out of time; what became of the work is only worth a line.
    if (late) work.catch((error: unknown) => log.warn("message failed after its time ran out", { error }));
  }
}

async function processMessage(message: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    // A body that is not JSON will never become JSON: retrying cannot help, so drop it loudly.
    log.error("dropping a message that is not JSON");
    return;
  }
  const parsed = S3NotificationSchema.safeParse(body);
  if (!parsed.success) {
    log.error("dropping a message that is not an S3 notification", { issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  if ("Event" in parsed.data) {
    log.info("ignoring s3:TestEvent");
    return;
  }
  for (const record of parsed.data.Records) {
    // Into the message's scope rather than a nested one, so that a failure logged for the message
    // names the file it failed on.
    const owner = parseOriginalKey(decodeEventKey(record.s3.object.key));
    addToLogScope({ sub: owner?.userId, fileId: owner?.fileId });
    const result = await indexObject(indexerDeps(), record);
    log.info("indexed", { ...result });
    count(record, result);
  }
}

function count(record: S3EventRecord, result: IndexOutcome): void {
  if (result.outcome === "rejected") metrics().count("FilesRejected");
  if (result.outcome !== "ready") return;
  metrics().count("FilesIndexed");
  if (record.s3.object.size !== undefined) metrics().bytes("BytesStored", record.s3.object.size);
  const eventTime = record.eventTime ? Date.parse(record.eventTime) : NaN;
  // A clock skewed against S3's would make a negative lag; zero is the honest floor.
  if (Number.isFinite(eventTime)) metrics().seconds("IndexLatency", Math.max(0, Date.now() - eventTime) / 1000);
}
