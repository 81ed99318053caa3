import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TABLE } from "@media/core/table";
import { describe, expect, it } from "vitest";
import { localDynamoPerFile } from "@media/testing/local-dynamo";

// Through the runtime's own worker thread: the DynamoDB `npm start` serves.
const TableName = "transact-write-test";
const dynamo = localDynamoPerFile({ tableName: TableName, inRuntimeThread: true });
const client = () => dynamo().baseClient;

let partitions = 0;
/** A partition of its own for each test, so tests share the table without seeing each other's items. */
const freshPartition = () => `T#${++partitions}`;
const key = (pk: string, sk: string) => ({ [TABLE.partitionKey]: { S: pk }, [TABLE.sortKey]: { S: sk } });
const get = async (pk: string, sk: string) => (await client().send(new GetItemCommand({ TableName, Key: key(pk, sk), ConsistentRead: true }))).Item;
const put = (item: Record<string, AttributeValue>) => client().send(new PutItemCommand({ TableName, Item: item }));
const counter = (pk: string, sk: string, n: number) => ({ ...key(pk, sk), n: { N: String(n) } });

async function cancelled(items: TransactWriteItem[]): Promise<TransactionCanceledException> {
  const error = await client().send(new TransactWriteItemsCommand({ TransactItems: items })).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return error as TransactionCanceledException;
}

async function validationMessage(send: Promise<unknown>): Promise<string> {
  const error = (await send.catch((caught: unknown) => caught)) as Error;
  expect(error.name).toBe("ValidationException");
  return error.message;
}

describe("TransactWriteItems on the local DynamoDB", () => {
  it("applies Put, Update, Delete and a passing ConditionCheck together, secondary index included", async () => {
    const pk = freshPartition();
    await put(counter(pk, "A", 1));
    await put(counter(pk, "GONE", 0));
    await put(counter(pk, "CHECKED", 5));
    await client().send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: { ...key(pk, "NEW"), gsi1pk: { S: `${pk}#image` }, gsi1sk: { S: "NEW" } }, ConditionExpression: "attribute_not_exists(pk)" } },
          {
            Update: {
              TableName,
              Key: key(pk, "A"),
              UpdateExpression: "ADD #n :two SET tags = list_append(if_not_exists(tags, :none), :tag)",
              ConditionExpression: "#n = :one",
              ExpressionAttributeNames: { "#n": "n" },
              ExpressionAttributeValues: { ":one": { N: "1" }, ":two": { N: "2" }, ":none": { L: [] }, ":tag": { L: [{ S: "x" }] } },
            },
          },
          { Delete: { TableName, Key: key(pk, "GONE"), ConditionExpression: "attribute_exists(pk)" } },
          { ConditionCheck: { TableName, Key: key(pk, "CHECKED"), ConditionExpression: "n > :four", ExpressionAttributeValues: { ":four": { N: "4" } } } },
        ],
      }),
    );
    expect(await get(pk, "A")).toEqual({ ...counter(pk, "A", 3), tags: { L: [{ S: "x" }] } });
    expect(await get(pk, "GONE")).toBeUndefined();
    expect(await get(pk, "CHECKED")).toEqual(counter(pk, "CHECKED", 5));
    const byKind = await client().send(
      new QueryCommand({
        TableName,
        IndexName: TABLE.byKindIndex.name,
        KeyConditionExpression: "gsi1pk = :p",
        ExpressionAttributeValues: { ":p": { S: `${pk}#image` } },
      }),
    );
    expect(byKind.Items?.map((item) => item.sk?.S)).toEqual(["NEW"]);
  });

  it("cancels everything when one condition fails: reasons in action order, the old item only where ALL_OLD asks", async () => {
    const pk = freshPartition();
    await put(counter(pk, "A", 1));
    await put(counter(pk, "B", 1));
    await put(counter(pk, "C", 1));
    const error = await cancelled([
      { Update: { TableName, Key: key(pk, "A"), UpdateExpression: "SET n = :nine", ExpressionAttributeValues: { ":nine": { N: "9" } } } },
      { ConditionCheck: { TableName, Key: key(pk, "B"), ConditionExpression: "n = :two", ExpressionAttributeValues: { ":two": { N: "2" } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      { Delete: { TableName, Key: key(pk, "C"), ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "NONE" } },
      { Put: { TableName, Item: counter(pk, "D", 1), ConditionExpression: "attribute_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      { Put: { TableName, Item: counter(pk, "E", 1) } },
    ]);
    expect(error.CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: counter(pk, "B", 1) },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      // ALL_OLD of an item that does not exist has nothing to return.
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      { Code: "None" },
    ]);
    expect(error.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed, ConditionalCheckFailed, None]",
    );
    expect(await get(pk, "A")).toEqual(counter(pk, "A", 1));
    expect(await get(pk, "C")).toEqual(counter(pk, "C", 1));
    expect(await get(pk, "E")).toBeUndefined();
  });

  it("cancels with a ValidationError reason what the single-item update would refuse after reading the item", async () => {
    const pk = freshPartition();
    await put({ ...key(pk, "A"), n: { S: "not a number" } });
    const error = await cancelled([
      { Put: { TableName, Item: counter(pk, "B", 1) } },
      { Update: { TableName, Key: key(pk, "A"), UpdateExpression: "SET n = n + :one", ExpressionAttributeValues: { ":one": { N: "1" } } } },
    ]);
    expect(error.CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "ValidationError", Message: "An operand in the update expression has an incorrect data type" },
    ]);
    expect(await get(pk, "B")).toBeUndefined();
  });

  it("refuses two actions on one item, more than 100 actions, and an entry with two actions, as ValidationExceptions", async () => {
    const pk = freshPartition();
    const send = (TransactItems: TransactWriteItem[]) => client().send(new TransactWriteItemsCommand({ TransactItems }));
    expect(
      await validationMessage(
        send([
          { ConditionCheck: { TableName, Key: key(pk, "A"), ConditionExpression: "attribute_exists(pk)" } },
          { Put: { TableName, Item: counter(pk, "A", 1) } },
        ]),
      ),
    ).toBe("Transaction request cannot include multiple operations on one item");
    const many = Array.from({ length: 101 }, (_, i): TransactWriteItem => ({ Put: { TableName, Item: counter(pk, `M${i}`, i) } }));
    expect(await validationMessage(send(many))).toMatch(/^1 validation error detected: Value '.*' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/s);
    expect(await validationMessage(send([{ Put: { TableName, Item: counter(pk, "B", 1) }, Delete: { TableName, Key: key(pk, "C") } }]))).toBe(
      "TransactItems can only contain one of Check, Put, Update or Delete",
    );
    // Nothing of the refused requests was applied; 100 actions is allowed.
    expect(await get(pk, "A")).toBeUndefined();
    expect(await get(pk, "B")).toBeUndefined();
    await send(many.slice(0, 100));
    expect(await get(pk, "M99")).toEqual(counter(pk, "M99", 99));
  });

  it("checks each action's expressions exactly as the single-item operation does", async () => {
    const pk = freshPartition();
    const update = {
      TableName,
      Key: key(pk, "A"),
      UpdateExpression: "SET n = :one",
      ExpressionAttributeValues: { ":one": { N: "1" }, ":unused": { N: "2" } },
    };
    const single = await validationMessage(client().send(new UpdateItemCommand(update)));
    expect(single).toMatch(/unused in expressions/);
    expect(await validationMessage(client().send(new TransactWriteItemsCommand({ TransactItems: [{ Update: update }] })))).toBe(single);
    const badKey = { TableName, Key: { [TABLE.partitionKey]: { S: pk } }, UpdateExpression: "SET n = :one", ExpressionAttributeValues: { ":one": { N: "1" } } };
    const singleKey = await validationMessage(client().send(new UpdateItemCommand(badKey)));
    expect(await validationMessage(client().send(new TransactWriteItemsCommand({ TransactItems: [{ Update: badKey }] })))).toBe(singleKey);
  });

  it("answers a missing table as ResourceNotFoundException, and reports two write units per action when asked", async () => {
    const pk = freshPartition();
    const missing = await client()
      .send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: "no-such-table", Item: counter(pk, "A", 1) } }] }))
      .catch((caught: Error) => caught);
    expect(missing).toMatchObject({ name: "ResourceNotFoundException" });
    const { ConsumedCapacity } = await client().send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: "TOTAL",
        TransactItems: [{ Put: { TableName, Item: counter(pk, "A", 1) } }, { Delete: { TableName, Key: key(pk, "B") } }],
      }),
    );
    expect(ConsumedCapacity).toEqual([{ TableName, CapacityUnits: 4, WriteCapacityUnits: 4 }]);
  });

  it("takes lib-dynamodb's TransactWriteCommand with plain values", async () => {
    const pk = freshPartition();
    const documents = DynamoDBDocumentClient.from(client());
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk, sk: "DOC", size: 10, tags: ["a"] }, ConditionExpression: "attribute_not_exists(pk)" } },
          { Update: { TableName, Key: { pk, sk: "USAGE" }, UpdateExpression: "ADD bytes :size", ExpressionAttributeValues: { ":size": 10 } } },
        ],
      }),
    );
    expect(await get(pk, "DOC")).toEqual({ ...key(pk, "DOC"), size: { N: "10" }, tags: { L: [{ S: "a" }] } });
    expect(await get(pk, "USAGE")).toEqual({ ...key(pk, "USAGE"), bytes: { N: "10" } });
  });

  it("lets no other write interleave: concurrent transactions over overlapping items and plain updates all count", async () => {
    const pk = freshPartition();
    const names = ["A", "B", "C", "D"];
    for (const name of names) await put(counter(pk, name, 0));
    const add = (name: string): TransactWriteItem => ({
      Update: { TableName, Key: key(pk, name), UpdateExpression: "ADD n :one", ExpressionAttributeValues: { ":one": { N: "1" } } },
    });
    // Transactions name overlapping items in opposite orders (a deadlock if locks were taken in request order),
    // while plain UpdateItems hit the same items.
    const rounds = 25;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < rounds; i++) {
      work.push(client().send(new TransactWriteItemsCommand({ TransactItems: [add("A"), add("B"), add("C")] })));
      work.push(client().send(new TransactWriteItemsCommand({ TransactItems: [add("C"), add("B"), add("A"), add("D")] })));
      work.push(client().send(new UpdateItemCommand(add("B").Update!)));
    }
    await Promise.all(work);
    expect((await get(pk, "A"))?.n).toEqual({ N: String(2 * rounds) });
    expect((await get(pk, "B"))?.n).toEqual({ N: String(3 * rounds) });
    expect((await get(pk, "C"))?.n).toEqual({ N: String(2 * rounds) });
    expect((await get(pk, "D"))?.n).toEqual({ N: String(rounds) });
  });

  it("evaluates each condition under the items' locks: of 20 concurrent conditional transfers only the one that fits applies", async () => {
    const pk = freshPartition();
    for (const name of ["A", "B", "C"]) await put(counter(pk, name, 10));
    const transfer = (to: string): TransactWriteItem[] => [
      {
        Update: {
          TableName,
          Key: key(pk, "A"),
          UpdateExpression: "SET n = n - :amount",
          ConditionExpression: "n >= :amount",
          ExpressionAttributeValues: { ":amount": { N: "7" } },
        },
      },
      { Update: { TableName, Key: key(pk, to), UpdateExpression: "SET n = n + :amount", ExpressionAttributeValues: { ":amount": { N: "7" } } } },
    ];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => client().send(new TransactWriteItemsCommand({ TransactItems: transfer(i % 2 ? "B" : "C") }))),
    );
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    expect(refused).toHaveLength(19);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(TransactionCanceledException);
      expect((reason as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(["ConditionalCheckFailed", "None"]);
    }
    const balances = await Promise.all(["A", "B", "C"].map(async (name) => Number((await get(pk, name))?.n?.N)));
    expect(balances[0]).toBe(3);
    expect(balances[1]! + balances[2]!).toBe(27);
  });
});
