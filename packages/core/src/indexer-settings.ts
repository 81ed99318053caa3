/**
 * How the indexer runs on Lambda: written once, read by the stacks that deploy it and by the local
 * runtime that plays Lambda's part around the same handler.
 */
export const INDEXER_SETTINGS = {
  /** The function's timeout. */
  timeoutSeconds: 60,
  /** Messages in one invocation (the SQS event source's batch size). */
  batchSize: 10,
  /** The event source's batching window: a partial batch waits this long for more messages. */
  batchWindowSeconds: 5,
  /**
   * Invocations at once (the event source's maximum concurrency): one slow file holds up only its own
   * batch, and DynamoDB and the bucket see a bounded number of indexers.
   */
  maxConcurrency: 5,
} as const;
