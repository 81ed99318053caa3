import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { TABLE } from "@media/core/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalDynamo } from "./local-dynamo";

const region = "us-east-1";
const tableName = "local-dynamo-test";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-dynamo-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key = { [TABLE.partitionKey]: { S: "USER#a" }, [TABLE.sortKey]: { S: "FILE#1" } };
const clientFor = (endpoint: string) => new DynamoDBClient({ region, endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });

describe("local DynamoDB in its own thread", () => {
  it("serves the table, keeps its data across a restart on the same directory, and closes once however often asked", async () => {
    const first = await startLocalDynamo({ dir, tableName, region });
    const client = clientFor(first.endpoint);
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, n: { N: "7" } } }));
    client.destroy();
    await Promise.all([first.close(), first.close()]);
    await expect(fetch(first.endpoint)).rejects.toThrow();

    // The LevelDB lock was released with the thread, so the same directory opens again.
    const second = await startLocalDynamo({ dir, tableName, region });
    const again = clientFor(second.endpoint);
    const { Item } = await again.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    again.destroy();
    await second.close();
    expect(Item?.n).toEqual({ N: "7" });
  });
});
