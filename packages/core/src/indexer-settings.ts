const TIMEOUT_SECONDS = 60;
const BATCH_WINDOW_SECONDS = 5;

/**
 * How the indexer and its queue run on AWS: written once, read by the stacks that deploy them, by the
 * local runtime that plays AWS's part around the same handler, and by the recovery scripts that open
 * the local queues as the runtime does.
 */
export const INDEXER_SETTINGS = {
  /** The function's timeout. */
  timeoutSeconds: TIMEOUT_SECONDS,
  /** Messages in one invocation (the SQS event source's batch size). */
  batchSize: 10,
  /** The event source's batching window: a partial batch waits this long for more messages. */
  batchWindowSeconds: BATCH_WINDOW_SECONDS,
  /**
   * AWS's rule for SQS event sources: the queue's visibility timeout at least six times the function
   * timeout (plus the batching window), so that a batch retried by Lambda's poller is not handed out again meanwhile.
   */
  queueVisibilitySeconds: 6 * TIMEOUT_SECONDS + BATCH_WINDOW_SECONDS,
  /** An indexing message that failed this many times goes to the dead-letter queue. */
  maxReceiveCount: 5,
  /**
   * Invocations at once (the event source's maximum concurrency): one slow file holds up only its own
   * batch, and DynamoDB and the bucket see a bounded number of indexers.
   */
  maxConcurrency: 5,
} as const;
