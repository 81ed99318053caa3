import type { AccountEventPublisher } from "@media/core/account-event";
import type { EventPublisher } from "@media/core/ports";
import type { FunctionsConfig } from "../config";
import type { TopicPublishers } from "./media-events-sns";
import { onFirstUse } from "./on-first-use";

/**
 * The publishers of the media-events topic, whose SNS client (with its query protocol, about 30 KB of
 * the bundle) is loaded when the first event is published: most library routes never publish one, and
 * `DELETE /me` publishes only once everything else is gone. Each root that publishes takes these, so
 * the client is a chunk of its bundle (media-events-sns.ts) that a cold start does not load.
 */
export function topicOnFirstUse(cfg: FunctionsConfig): { media: EventPublisher; account: AccountEventPublisher } {
  const publishers = onFirstUse<TopicPublishers>(() => import("./media-events-sns").then((m) => m.topicPublishers(cfg)));
  return {
    media: { publish: async (event) => (await publishers()).media.publish(event) },
    account: { publishAccountEvent: async (event) => (await publishers()).account.publishAccountEvent(event) },
  };
}
