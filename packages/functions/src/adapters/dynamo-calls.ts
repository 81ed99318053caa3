import { QueryCommand, type DynamoDBDocumentClient, type NativeAttributeValue } from "@aws-sdk/lib-dynamodb";
import { TABLE } from "@media/core/table";
import { call } from "./dynamo-throttling";

export { call };

/** One item of the table, as the document client reads and writes it. */
export type Item = Record<string, NativeAttributeValue>;

/**
 * Every item of one partition whose sort key starts with `prefix`, all pages, consistently read: the
 * whole-user and whole-file sweeps (delete, purge, recount) must not miss an item written just before.
 */
export async function queryPrefix(client: DynamoDBDocumentClient, tableName: string, partition: string, prefix: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const out = await call(
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
          ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#sk": TABLE.sortKey },
          ExpressionAttributeValues: { ":pk": partition, ":prefix": prefix },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
