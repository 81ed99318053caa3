import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalDynamo } from "./local-dynamo";

// The cache of parsed expressions (expression-cache.ts) as a client sees it: the same texts sent again and
// again with other names and values, through the real SDK, against the local DynamoDB's thread.
const TableName = "expression-cache-test";
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamo = await startLocalDynamo({ tableName: TableName, region: "us-east-1" });
  client = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });
const failure = (sent: Promise<unknown>) => sent.then(() => undefined, (caught: Error) => caught);
const read = async (k: Record<string, AttributeValue>) => (await client.send(new GetItemCommand({ TableName, Key: k, ConsistentRead: true }))).Item;

describe("parsed expressions reused across requests", () => {
  it("evaluates one condition text against each request's own names and values", async () => {
    const item = key("COND", "1");
    await client.send(new PutItemCommand({ TableName, Item: { ...item, color: s("red"), shape: s("round"), hits: n(0) } }));
    const ConditionExpression = "#a = :v";
    const attempt = (name: string, value: string) =>
      failure(
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: item,
            ConditionExpression,
            UpdateExpression: "ADD hits :one",
            ExpressionAttributeNames: { "#a": name },
            ExpressionAttributeValues: { ":v": s(value), ":one": n(1) },
          }),
        ),
      );
    // Each text twice or more, so most of these are answered from the cache.
    const outcomes = [];
    for (const [name, value] of [["color", "red"], ["shape", "red"], ["color", "blue"], ["shape", "round"], ["color", "red"], ["shape", "square"]] as const) {
      outcomes.push((await attempt(name, value))?.name ?? "applied");
    }
    expect(outcomes).toEqual(["applied", "ConditionalCheckFailedException", "ConditionalCheckFailedException", "applied", "applied", "ConditionalCheckFailedException"]);
    expect((await read(item))?.hits).toEqual(n(3));
  });

  it("checks attribute_type's type name in each request", async () => {
    const item = key("COND", "2");
    await client.send(new PutItemCommand({ TableName, Item: { ...item, color: s("red") } }));
    const check = (type: string) =>
      failure(
        client.send(
          new PutItemCommand({ TableName, Item: { ...item, color: s("red") }, ConditionExpression: "attribute_type(#a, :t)", ExpressionAttributeNames: { "#a": "color" }, ExpressionAttributeValues: { ":t": s(type) } }),
        ),
      );
    expect(await check("S")).toBeUndefined();
    expect(await check("N")).toMatchObject({ name: "ConditionalCheckFailedException" });
    expect(await check("STRING")).toMatchObject({ name: "ValidationException", message: expect.stringContaining("Invalid attribute type name found; type: STRING") });
  });

  it("applies one update text with each request's own names and values, even many at once", async () => {
    const UpdateExpression = "SET #field = :value, #count = if_not_exists(#count, :zero) + :step";
    const update = (sk: string, field: string, value: AttributeValue, count: string, step: number) =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: key("UPDATE", sk),
          UpdateExpression,
          ExpressionAttributeNames: { "#field": field, "#count": count },
          ExpressionAttributeValues: { ":value": value, ":zero": n(0), ":step": n(step) },
        }),
      );
    // Same names, other values; then other names; all in flight together.
    await Promise.all(Array.from({ length: 40 }, (_, i) => update(`I${i}`, i % 2 ? "title" : "label", s(`value-${i}`), i % 3 ? "views" : "plays", i)));
    for (let i = 0; i < 40; i++) {
      expect(await read(key("UPDATE", `I${i}`))).toEqual({ ...key("UPDATE", `I${i}`), [i % 2 ? "title" : "label"]: s(`value-${i}`), [i % 3 ? "views" : "plays"]: n(i) });
    }
    // The same text again on an item that exists: the counter adds, the field is replaced, with a value of another type.
    await update("I1", "title", { L: [s("x")] }, "views", 5);
    expect(await read(key("UPDATE", "I1"))).toEqual({ ...key("UPDATE", "I1"), title: { L: [s("x")] }, views: n(6) });
  });

  it("projects with each request's own names", async () => {
    const item = key("PROJECT", "1");
    await client.send(new PutItemCommand({ TableName, Item: { ...item, color: s("red"), shape: s("round"), deep: { M: { a: n(1), b: n(2) } } } }));
    const project = async (names: Record<string, string>) =>
      (await client.send(new GetItemCommand({ TableName, Key: item, ProjectionExpression: "#x, #y.#z", ExpressionAttributeNames: names }))).Item;
    expect(await project({ "#x": "color", "#y": "deep", "#z": "a" })).toEqual({ color: s("red"), deep: { M: { a: n(1) } } });
    expect(await project({ "#x": "shape", "#y": "deep", "#z": "b" })).toEqual({ shape: s("round"), deep: { M: { b: n(2) } } });
    expect(await project({ "#x": "color", "#y": "deep", "#z": "a" })).toEqual({ color: s("red"), deep: { M: { a: n(1) } } });
  });

  it("queries with each request's own key condition values, BETWEEN included", async () => {
    for (const [pk, sk] of [["Q1", "a#1"], ["Q1", "a#2"], ["Q1", "b#1"], ["Q2", "a#9"], ["Q2", "b#2"], ["Q2", "b#3"]]) {
      await client.send(new PutItemCommand({ TableName, Item: key(pk!, sk!) }));
    }
    const keys = async (KeyConditionExpression: string, values: Record<string, AttributeValue>) =>
      ((await client.send(new QueryCommand({ TableName, KeyConditionExpression, ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" }, ExpressionAttributeValues: values }))).Items ?? []).map(
        (found) => `${found.pk!.S}/${found.sk!.S}`,
      );
    const prefix = "#pk = :pk AND begins_with(#sk, :prefix)";
    expect(await keys(prefix, { ":pk": s("Q1"), ":prefix": s("a#") })).toEqual(["Q1/a#1", "Q1/a#2"]);
    expect(await keys(prefix, { ":pk": s("Q2"), ":prefix": s("b#") })).toEqual(["Q2/b#2", "Q2/b#3"]);
    expect(await keys(prefix, { ":pk": s("Q1"), ":prefix": s("b#") })).toEqual(["Q1/b#1"]);
    const range = "#pk = :pk AND #sk BETWEEN :low AND :high";
    expect(await keys(range, { ":pk": s("Q1"), ":low": s("a#2"), ":high": s("b#5") })).toEqual(["Q1/a#2", "Q1/b#1"]);
    expect(await keys(range, { ":pk": s("Q2"), ":low": s("a#0"), ":high": s("b#2") })).toEqual(["Q2/a#9", "Q2/b#2"]);
    // BETWEEN's bounds are checked on their content: valid once, inverted the next time.
    expect(await failure(keys(range, { ":pk": s("Q2"), ":low": s("b#9"), ":high": s("a#0") }))).toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("BETWEEN operator requires upper bound to be greater than or equal to lower bound"),
    });
  });

  it("shares parses between transactions and single-item calls without mixing their values", async () => {
    const ConditionExpression = "attribute_not_exists(#k) OR #owner = :owner";
    const claim = (sk: string, owner: string) => ({
      Put: { TableName, Item: { ...key("TX", sk), owner: s(owner) }, ConditionExpression, ExpressionAttributeNames: { "#k": "pk", "#owner": "owner" }, ExpressionAttributeValues: { ":owner": s(owner) } },
    });
    await client.send(new TransactWriteItemsCommand({ TransactItems: [claim("A", "ann"), claim("B", "bob")] }));
    const stolen = await failure(client.send(new TransactWriteItemsCommand({ TransactItems: [claim("A", "bob"), claim("C", "bob")] })));
    expect(stolen).toMatchObject({ name: "TransactionCanceledException", CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }] });
    await client.send(new PutItemCommand(claim("A", "ann").Put));
    expect([(await read(key("TX", "A")))?.owner, (await read(key("TX", "B")))?.owner, await read(key("TX", "C"))]).toEqual([s("ann"), s("bob"), undefined]);
  });
});

describe("errors are never served from the cache", () => {
  const update = (UpdateExpression: string, names: Record<string, string>, values: Record<string, AttributeValue>) =>
    failure(client.send(new UpdateItemCommand({ TableName, Key: key("ERR", "1"), UpdateExpression, ExpressionAttributeNames: names, ExpressionAttributeValues: values })));

  it("answers a malformed expression with a ValidationException every time", async () => {
    for (let i = 0; i < 3; i++) {
      expect(await update("SET #a = = :v", { "#a": "a" }, { ":v": n(i) })).toMatchObject({ name: "ValidationException", message: expect.stringContaining("Invalid UpdateExpression: Syntax error") });
      expect(await update("SET #a = :v, #a = :v", { "#a": "a" }, { ":v": n(i) })).toMatchObject({
        name: "ValidationException",
        message: expect.stringContaining("Two document paths overlap"),
      });
    }
  });

  it("checks the types of this request's values after the same text succeeded with others", async () => {
    const text = "ADD #total :amount";
    expect(await update(text, { "#total": "total" }, { ":amount": n(2) })).toBeUndefined();
    expect(await update(text, { "#total": "total" }, { ":amount": s("two") })).toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
    });
    expect(await update(text, { "#total": "total" }, { ":amount": n(3) })).toBeUndefined();
    expect((await read(key("ERR", "1")))?.total).toEqual(n(5));
  });

  it("still reports placeholders that are missing or unused in this request", async () => {
    const text = "SET #a = :v";
    expect(await update(text, { "#a": "a" }, { ":v": n(1) })).toBeUndefined();
    expect(await update(text, { "#a": "a" }, { ":v": n(1), ":extra": n(2) })).toMatchObject({
      name: "ValidationException",
      message: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:extra}",
    });
    expect(await update(text, { "#a": "a", "#b": "b" }, { ":v": n(1) })).toMatchObject({
      name: "ValidationException",
      message: "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}",
    });
    expect(await update(text, { "#b": "b" }, { ":v": n(1) })).toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("An expression attribute name used in the document path is not defined; attribute name: #a"),
    });
  });
});
