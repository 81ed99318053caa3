import type { EventPublisher } from "@media/core/ports";
import { createSnsEventPublisher } from "../adapters/sns-event-publisher";
import type { FunctionsConfig } from "../config";
import { snsClient } from "./clients/sns";
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
  return { ...buildMediaStore(cfg), events: createSnsEventPublisher({ client: snsClient(cfg.region), topicArn: cfg.topicArn }) };
}
