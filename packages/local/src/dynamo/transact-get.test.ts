import { PutItemCommand, TransactGetItemsCommand, TransactWriteItemsCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { localDynamoPerFile } from "@media/testing/local-dynamo";

const TableName = "transact-get-test";
const dynamo = localDynamoPerFile({ tableName: TableName, inRuntimeThread: true });
const client = () => dynamo().baseClient;

const key = (sk: string) => ({ pk: { S: "GET" }, sk: { S: sk } });

describe("TransactGetItems on the local DynamoDB", () => {
  it("reads items in request order, with projections, and an empty response for a missing item", async () => {
    await client().send(new PutItemCommand({ TableName, Item: { ...key("A"), n: { N: "1" }, deep: { M: { x: { S: "y" }, z: { S: "w" } } } } }));
    await client().send(new PutItemCommand({ TableName, Item: { ...key("B"), n: { N: "2" } } }));
    const { Responses, ConsumedCapacity } = await client().send(
      new TransactGetItemsCommand({
        ReturnConsumedCapacity: "TOTAL",
        TransactItems: [
          { Get: { TableName, Key: key("B") } },
          { Get: { TableName, Key: key("MISSING") } },
          { Get: { TableName, Key: key("A"), ProjectionExpression: "#d.x, n", ExpressionAttributeNames: { "#d": "deep" } } },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { ...key("B"), n: { N: "2" } } }, {}, { Item: { n: { N: "1" }, deep: { M: { x: { S: "y" } } } } }]);
    // Transactional reads cost two read units per item (of up to 4 KB).
    expect(ConsumedCapacity).toEqual([{ TableName, CapacityUnits: 6, ReadCapacityUnits: 6 }]);
  });

  it("refuses two reads of one item and more than 100 reads", async () => {
    const twice = await client()
      .send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName, Key: key("A") } }, { Get: { TableName, Key: key("A") } }] }))
      .catch((caught: Error) => caught);
    expect(twice).toMatchObject({ name: "ValidationException", message: "Transaction request cannot include multiple operations on one item" });
    const many = await client()
      .send(new TransactGetItemsCommand({ TransactItems: Array.from({ length: 101 }, (_, i) => ({ Get: { TableName, Key: key(`K${i}`) } })) }))
      .catch((caught: Error) => caught);
    expect(many).toMatchObject({ name: "ValidationException", message: expect.stringMatching(/Member must have length less than or equal to 100$/) });
  });

  it("never sees half of a transaction: every read of a pair written together agrees", async () => {
    const pair = (n: number): TransactWriteItem[] =>
      ["L", "R"].map((side) => ({ Put: { TableName, Item: { ...key(`PAIR-${side}`), n: { N: String(n) } } } }));
    await client().send(new TransactWriteItemsCommand({ TransactItems: pair(0) }));
    const reads: Promise<(string | undefined)[]>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let n = 1; n <= 30; n++) {
      writes.push(client().send(new TransactWriteItemsCommand({ TransactItems: pair(n) })));
      reads.push(
        client()
          .send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName, Key: key("PAIR-R") } }, { Get: { TableName, Key: key("PAIR-L") } }] }))
          .then(({ Responses }) => Responses!.map((response) => response.Item?.n?.N)),
      );
    }
    await Promise.all(writes);
    for (const [right, left] of await Promise.all(reads)) expect(right).toBe(left);
  });
});
