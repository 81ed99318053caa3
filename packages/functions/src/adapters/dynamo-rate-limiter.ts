import { UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RateLimiter } from "@media/core/code-limits";
import { TABLE, keysFor } from "@media/core/table";
import { call } from "./dynamo-throttling";

/**
 * Fixed-window counters on the one table (see TABLE): one item per subject and window, counted by one
 * conditional update, so concurrent requests on any number of Lambda instances share the count exactly.
 * A fixed window lets up to twice the limit through across a window's boundary; for limits meant to stop
 * floods and code walking, that is a fair price for one write per request. The item expires by TTL once
 * its window is over (DynamoDB deletes it up to days later; a later window never reads it).
 * Through the plain client, like dynamo-session-cutoffs.ts: the auth routes load no document client.
 */
const HITS = "hits";

export function createDynamoRateLimiter({ client, tableName }: { client: DynamoDBClient; tableName: string }): RateLimiter {
  return {
    async take(key, rule, nowMs) {
      const now = Math.floor(nowMs / 1000);
      const start = now - (now % rule.windowSeconds);
      const end = start + rule.windowSeconds;
      try {
        await call(
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { [TABLE.partitionKey]: { S: keysFor.rateLimitPartition(rule.name, key) }, [TABLE.sortKey]: { S: keysFor.rateLimitWindow(start) } },
              UpdateExpression: "ADD #hits :one SET #ttl = :end",
              ConditionExpression: "attribute_not_exists(#hits) OR #hits < :limit",
              ExpressionAttributeNames: { "#hits": HITS, "#ttl": TABLE.timeToLiveAttribute },
              ExpressionAttributeValues: { ":one": { N: "1" }, ":limit": { N: String(rule.limit) }, ":end": { N: String(end) } },
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
