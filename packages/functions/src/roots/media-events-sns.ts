import type { AccountEventPublisher } from "@media/core/account-event";
import type { EventPublisher } from "@media/core/ports";
import { createSnsAccountEvents } from "../adapters/sns-account-events";
import { createSnsEventPublisher } from "../adapters/sns-event-publisher";
import type { FunctionsConfig } from "../config";
import { snsClient } from "./clients/sns";

export interface TopicPublishers {
  media: EventPublisher;
  account: AccountEventPublisher;
}

/** Both publishers of the media-events topic on one SNS client; loaded on demand (media-events.ts). */
export function topicPublishers(cfg: FunctionsConfig): TopicPublishers {
  const client = snsClient(cfg.region);
  return { media: createSnsEventPublisher({ client, topicArn: cfg.topicArn }), account: createSnsAccountEvents({ client, topicArn: cfg.topicArn }) };
}
