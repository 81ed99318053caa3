import { join } from "node:path";
import { INDEXER_SETTINGS } from "@media/core/indexer-settings";
import { RENDITION_SETTINGS } from "@media/core/renditions/rendition-settings";
import { DurableQueue } from "./durable-queue";

/**
 * The local runtime's queues, written once: read by the runtime that consumes them and by the recovery
 * scripts (`npm run redrive`, `npm run reindex`) that open them while it is stopped. Visibility timeouts
 * and redrive counts are the stacks' own (core's settings), so a message is retried locally as on AWS.
 */
export const LOCAL_QUEUES = {
  /** S3's ObjectCreated records for the indexer. */
  index: { name: "media-index", visibilityTimeoutSeconds: INDEXER_SETTINGS.queueVisibilitySeconds, maxReceiveCount: INDEXER_SETTINGS.maxReceiveCount },
  /** `media.ready` events for the renditions function. */
  renditions: { name: "media-renditions", visibilityTimeoutSeconds: RENDITION_SETTINGS.queueVisibilitySeconds, maxReceiveCount: RENDITION_SETTINGS.maxReceiveCount },
} as const;

export type LocalQueueId = keyof typeof LOCAL_QUEUES;

/** A dead-letter queue has no consumer: its visibility timeout only matters to a script reading it. */
const DEAD_LETTER_VISIBILITY_SECONDS = 30;

/** Where a queue and its dead-letter queue keep their messages under DATA_DIR. */
export function localQueuePaths(dataDir: string, id: LocalQueueId): { queue: string; deadLetters: string } {
  const { name } = LOCAL_QUEUES[id];
  return { queue: join(dataDir, "queue", name), deadLetters: join(dataDir, "queue", `${name}-dlq`) };
}

/** A queue's dead-letter queue alone (a listing reads it without opening the queue). */
export function openLocalDeadLetters(dataDir: string, id: LocalQueueId): Promise<DurableQueue> {
  return DurableQueue.open({ dir: localQueuePaths(dataDir, id).deadLetters, name: `${LOCAL_QUEUES[id].name}-dlq`, visibilityTimeoutSeconds: DEAD_LETTER_VISIBILITY_SECONDS });
}

/** A queue with its dead-letter queue and redrive policy, as the runtime consumes it. */
export async function openLocalQueue(dataDir: string, id: LocalQueueId): Promise<{ queue: DurableQueue; deadLetters: DurableQueue }> {
  const settings = LOCAL_QUEUES[id];
  const deadLetters = await openLocalDeadLetters(dataDir, id);
  const queue = await DurableQueue.open({
    dir: localQueuePaths(dataDir, id).queue,
    name: settings.name,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    deadLetter: { queue: deadLetters, maxReceiveCount: settings.maxReceiveCount },
  });
  return { queue, deadLetters };
}
