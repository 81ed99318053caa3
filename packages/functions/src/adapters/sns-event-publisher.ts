import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { MediaEvent } from "@media/core/media-event";
import type { EventPublisher } from "@media/core/ports";

/** Media events on SNS, with a `type` attribute so subscriptions can filter without parsing bodies. */
export function createSnsEventPublisher({ client, topicArn }: { client: SNSClient; topicArn: string }): EventPublisher {
  return {
    async publish(event: MediaEvent): Promise<void> {
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
