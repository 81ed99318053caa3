import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { AccountEventPublisher } from "@media/core/account-event";

/** Account events on the media topic, with the `type` attribute subscriptions filter on. */
export function createSnsAccountEvents({ client, topicArn }: { client: SNSClient; topicArn: string }): AccountEventPublisher {
  return {
    async publishAccountEvent(event) {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify(event),
          MessageAttributes: { type: { DataType: "String", StringValue: event.type } },
        }),
      );
    },
  };
}
