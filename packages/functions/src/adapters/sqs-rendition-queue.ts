import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { RenditionQueue } from "@media/core/renditions/ports";

/**
 * The renditions queue on SQS, for requests sent to it directly (`npm run reindex`). Its body is what the
 * topic's raw delivery puts there for a new upload (the function reads the same fields). SQS cannot be
 * asked whether a request already waits, so this always sends: the function skips a file whose
 * renditions exist by the time it gets to it.
 */
export function createSqsRenditionQueue({ client, queueUrl }: { client: SQSClient; queueUrl: string }): RenditionQueue {
  return {
    waiting: async () => false,
    async enqueue(request) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(request), MessageAttributes: { type: { DataType: "String", StringValue: request.type } } }));
    },
  };
}
