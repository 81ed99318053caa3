import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { UserSessions } from "@media/core/purge";
import type { SessionCutoffs } from "@media/core/sessions";
import { TABLE, keysFor } from "@media/core/table";
import { call } from "./dynamo-throttling";

/**
 * Each user's "sessions end" time (sessions.ts) as one small item of its own (see TABLE), so neither
 * the media records nor their repository know about it. It has no TTL while its user exists: one item per
 * user who ever logged out, and a cut that vanished would bring old tokens back (a deleted user's expires,
 * see createDynamoUserSessions).
 *
 * Reads are strongly consistent: the authorizer reads it on every request and a logout must hold for
 * the very next one. Concurrent reads for one user share one call (a client sending many requests at
 * once, on the local runtime's single process); nothing is kept once it answers, so a request sees the
 * cut as it was at most one read (a few milliseconds) before it arrived, never a cached one.
 *
 * It speaks DynamoDB's own attribute values through the plain client, not the document client: the
 * authorizer and the auth routes need nothing else of DynamoDB, and lib-dynamodb would be most of what
 * they load of it (see stacks/bundles.test.ts).
 */
const CUTOFF = "cutoffMs";

export function createDynamoSessionCutoffs({ client, tableName }: { client: DynamoDBClient; tableName: string }): SessionCutoffs {
  const key = (userId: string) => ({ [TABLE.partitionKey]: { S: keysFor.sessionsPartition(userId) }, [TABLE.sortKey]: { S: keysFor.sessions } });
  const reading = new Map<string, Promise<number | undefined>>();

  async function read(userId: string): Promise<number | undefined> {
    const out = await call(
      client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: key(userId),
          ConsistentRead: true,
          ProjectionExpression: "#c",
          ExpressionAttributeNames: { "#c": CUTOFF },
        }),
      ),
    );
    const value = out.Item?.[CUTOFF]?.N;
    return value === undefined ? undefined : Number(value);
  }

  return {
    cutoff(userId) {
      let pending = reading.get(userId);
      if (!pending) {
        pending = read(userId).finally(() => reading.delete(userId));
        reading.set(userId, pending);
      }
      return pending;
    },

    async endSessions(userId, at) {
      try {
        await call(
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: key(userId),
              UpdateExpression: "SET #c = :at",
              // Two ends racing: the later one stands, whichever is written last.
              ConditionExpression: "attribute_not_exists(#c) OR #c < :at",
              ExpressionAttributeNames: { "#c": CUTOFF },
              ExpressionAttributeValues: { ":at": { N: String(at) } },
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
      }
    },
  };
}

/**
 * Cognito access tokens live at most a day (the longest validity an app client may set), so a cut whose
 * user is gone is needed that long and no longer: it is written as of `at`, then left to the table's TTL
 * a day later. Deleting it at once would let the purged user's tokens through the authorizer until they
 * expire.
 */
const LONGEST_ACCESS_TOKEN_SECONDS = 24 * 3600;

export function createDynamoUserSessions(options: { client: DynamoDBClient; tableName: string }): UserSessions {
  const cutoffs = createDynamoSessionCutoffs(options);
  return {
    async retire(userId, at) {
      await cutoffs.endSessions(userId, at);
      await call(
        options.client.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: { [TABLE.partitionKey]: { S: keysFor.sessionsPartition(userId) }, [TABLE.sortKey]: { S: keysFor.sessions } },
            UpdateExpression: "SET #ttl = :ttl",
            ExpressionAttributeNames: { "#ttl": TABLE.timeToLiveAttribute },
            ExpressionAttributeValues: { ":ttl": { N: String(Math.ceil(at / 1000) + LONGEST_ACCESS_TOKEN_SECONDS) } },
          }),
        ),
      );
    },
  };
}
