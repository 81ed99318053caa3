import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { makeRenditions, RenditionRequestSchema, type RenditionOutcome } from "@media/core/renditions/render";
import { RENDITION_SETTINGS } from "@media/core/renditions/rendition-settings";
import { addToLogScope, log, withLogScope } from "./log";
import { flushMetrics } from "./metrics";
import { metrics } from "./metrics-sink";
import { renditionDeps } from "./roots/renditions";

/**
 * Time kept back from the invocation's end: storing the rendition and writing the record after the
 * encoder is done (or killed at the deadline), so that a file too slow to encode is recorded as such
 * instead of the invocation timing out and the message coming back.
 */
export const RENDITION_RESERVE_MS = 60_000;

/**
 * The SQS-triggered renditions function, fed by the media-events topic with `media.ready` events (raw
 * delivery: the body is the event). Files are rendered one after another; each failure is reported for
 * its message alone. A file's own faults are recorded on it and not retried; anything else is thrown,
 * retried by SQS, recorded as failed on the last attempt, and then left in the dead-letter queue.
 * Each file's outcome is counted (RenditionsMade / RenditionsFailed, with its time and bytes), and the
 * invocation's metrics are flushed once at its end.
 */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return withLogScope({ awsRequestId: context?.awsRequestId }, async () => {
    const failed: string[] = [];
    const end = context ? Date.now() + context.getRemainingTimeInMillis() : Date.now() + RENDITION_SETTINGS.timeoutSeconds * 1000;
    try {
      for (const record of event.Records) {
        await withLogScope({ messageId: record.messageId }, async () => {
          try {
            await renderMessage(record, end - RENDITION_RESERVE_MS);
          } catch (error) {
            log.error("rendition message failed", { receiveCount: record.attributes?.ApproximateReceiveCount, error });
            failed.push(record.messageId);
          }
        });
      }
    } finally {
      flushMetrics();
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}

async function renderMessage(message: SQSRecord, deadline: number): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    log.error("dropping a rendition message that is not JSON");
    return;
  }
  const parsed = RenditionRequestSchema.safeParse(body);
  if (!parsed.success) {
    // Not a media.ready event: the subscription's filter should have kept it out; retrying cannot help.
    log.error("dropping a message that is not a media.ready event", { issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  addToLogScope({ sub: parsed.data.userId, fileId: parsed.data.fileId });
  const receiveCount = Number(message.attributes?.ApproximateReceiveCount ?? "1");
  const started = Date.now();
  const finalAttempt = receiveCount >= RENDITION_SETTINGS.maxReceiveCount;
  let result: RenditionOutcome;
  try {
    result = await makeRenditions(renditionDeps(), parsed.data, { deadline, finalAttempt, redelivered: receiveCount > 1 });
  } catch (error) {
    // On the last attempt the failure was recorded on the file: it counts as one (earlier ones are retries).
    if (finalAttempt) metrics().count("RenditionsFailed");
    throw error;
  }
  const seconds = (Date.now() - started) / 1000;
  // `attempt`: a file refused for its own fault is settled on its first (never retried).
  log.info("renditions", { ...result, seconds, attempt: receiveCount });
  if (result.outcome === "skipped") return;
  metrics().count(result.outcome === "ready" ? "RenditionsMade" : "RenditionsFailed");
  metrics().seconds("RenditionSeconds", seconds);
  if (result.bytes > 0) metrics().bytes("RenditionBytes", result.bytes);
}
