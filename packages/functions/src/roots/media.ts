import type { EventPublisher } from "@media/core/ports";
import type { FunctionsConfig } from "../config";
import { topicOnFirstUse } from "./media-events";
import { buildMediaStore, type MediaStore } from "./media-store";

/**
 * The adapters of a user's media that the library routes and the indexer share: the records on
 * DynamoDB, the objects on S3 (media-store.ts), the media events on SNS. Each root that needs them builds
 * its own set (library.ts, indexing.ts): one module, so they are wired one way.
 */
export interface MediaAdapters extends MediaStore {
  events: EventPublisher;
}

export function buildMediaAdapters(cfg: FunctionsConfig): MediaAdapters {
  return { ...buildMediaStore(cfg), events: topicOnFirstUse(cfg).media };
}
