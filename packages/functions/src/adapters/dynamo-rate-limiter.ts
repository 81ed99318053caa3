import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RateLimiter } from "@media/core/code-limits";
import { TABLE, keysFor } from "@media/core/table";
import { call } from "./dynamo-calls";

/**
 * Fixed-window counters on the one table (see TABLE): one item per subject and window, counted by one
 * conditional update, so concurrent requests on any number of Lambda instances share the count exactly.
 * A fixed window lets up to twice the limit through across a window's boundary; for limits meant to stop
 * floods and code walking, that is a fair price for one write per request. The item expires by TTL once
 * its window is over (DynamoDB deletes it up to days later; a later window never reads it).
 */
const HITS = "hits";

export function createDynamoRateLimiter({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): RateLimiter {
  return {
    async take(key, rule, nowMs) {
      const now = Math.floor(nowMs / 1000);
      const start = now - (now % rule.windowSeconds);
      const end = start + rule.windowSeconds;
      try {
        await call(
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { [TABLE.partitionKey]: keysFor.rateLimitPartition(rule.name, key), [TABLE.sortKey]: keysFor.rateLimitWindow(start) },
              UpdateExpression: "ADD #hits :one SET #ttl = :end",
              ConditionExpression: "attribute_not_exists(#hits) OR #hits < :limit",
              ExpressionAttributeNames: { "#hits": HITS, "#ttl": TABLE.timeToLiveAttribute },
              ExpressionAttributeValues: { ":one": 1, ":limit": rule.limit, ":end": end },
            }),
          ),
        );
        return { allowed: true };
      } catch (error) {
        if (error instanceof Error && error.name === "ConditionalCheckFailedException") return { allowed: false, retryAfterSeconds: Math.max(1, end - now) };
        throw error;
      }
    },
  };
}
