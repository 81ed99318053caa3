import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { TABLE } from "@media/core/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalIam } from "../iam/local-iam";
import { dynamoRequests } from "./dynamo-actions";
import { startLocalDynamo } from "./local-dynamo";

const region = "us-east-1";
const accountId = "000000000000";
const tableName = "front-test";
const tableArn = `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`;
const admin = { accessKeyId: "LOCALADMINKEY", secretAccessKey: "admin-secret" };
const iam = new LocalIam({
  admin,
  resources: { region, accountId, arns: { "AWS::DynamoDB::Table": tableArn } },
  policies: {
    // Reads items and queries the table, not its index; writes with Put only.
    reader: [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"], Resource: ["${AWS::DynamoDB::Table}"] }],
  },
});
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const clients: DynamoDBClient[] = [];
const clientFor = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
  const client = new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
};
const key = { [TABLE.partitionKey]: { S: "USER#a" }, [TABLE.sortKey]: { S: "USAGE" } };
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tableName, region, iam: { iam, accountId } });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await dynamo?.close();
});

describe("the local DynamoDB's authentication and authorization", () => {
  it("serves what the signer's policy allows and refuses the rest with DynamoDB's AccessDeniedException", async () => {
    const reader = clientFor(iam.credentialsFor("reader"));
    await reader.send(new PutItemCommand({ TableName: tableName, Item: { ...key, files: { N: "1" } } }));
    expect((await reader.send(new GetItemCommand({ TableName: tableName, Key: key }))).Item?.files).toEqual({ N: "1" });
    const query = { TableName: tableName, KeyConditionExpression: "#pk = :pk", ExpressionAttributeNames: { "#pk": TABLE.partitionKey }, ExpressionAttributeValues: { ":pk": { S: "USER#a" } } };
    expect((await reader.send(new QueryCommand(query))).Count).toBe(1);

    const onIndex = await fail(reader.send(new QueryCommand({ ...query, IndexName: TABLE.byKindIndex.name, ExpressionAttributeNames: { "#pk": TABLE.byKindIndex.partitionKey } })));
    expect(onIndex).toMatchObject({
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 400 },
      message: `User: arn:aws:sts::${accountId}:assumed-role/media-local-reader/media-local-reader is not authorized to perform: dynamodb:Query on resource: ${tableArn}/index/${TABLE.byKindIndex.name} because no identity-based policy allows the dynamodb:Query action`,
    });
    // A transaction needs each item's own action: Put is granted, ConditionCheck is not.
    const transaction = await fail(
      reader.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...key, files: { N: "2" } } } },
            { ConditionCheck: { TableName: tableName, Key: key, ConditionExpression: "attribute_exists(pk)" } },
          ],
        }),
      ),
    );
    expect(transaction).toMatchObject({ name: "AccessDeniedException", message: expect.stringContaining("dynamodb:ConditionCheckItem") });
    // The admin key (the runtime's own calls, the operator's scripts) may do anything.
    expect((await clientFor(admin).send(new GetItemCommand({ TableName: tableName, Key: key }))).Item).toBeDefined();
  });

  it("checks the SigV4 signature as DynamoDB does", async () => {
    const get = new GetItemCommand({ TableName: tableName, Key: key });
    expect(await fail(clientFor({ ...admin, secretAccessKey: "wrong" }).send(get))).toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 400 } });
    expect(await fail(clientFor({ accessKeyId: "AKIDNOBODY", secretAccessKey: "x" }).send(get))).toMatchObject({ name: "UnrecognizedClientException", $metadata: { httpStatusCode: 400 } });
    const unsigned = await fetch(dynamo.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem" },
      body: JSON.stringify({ TableName: tableName, Key: key }),
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: "com.amazon.coral.service#MissingAuthenticationTokenException" });
  });

  it("asks each batch and transaction item's own action on its own table", () => {
    const arn = (t: string) => `arn:t/${t}`;
    expect(dynamoRequests("BatchWriteItem", { RequestItems: { a: [], b: [] } }, arn)).toEqual([
      { action: "dynamodb:BatchWriteItem", resource: "arn:t/a" },
      { action: "dynamodb:BatchWriteItem", resource: "arn:t/b" },
    ]);
    const items = [{ Put: { TableName: "a" } }, { Update: { TableName: "a" } }, { Delete: { TableName: "b" } }, { ConditionCheck: { TableName: "b" } }];
    expect(dynamoRequests("TransactWriteItems", { TransactItems: items }, arn).map((r) => `${r.action} ${r.resource}`)).toEqual([
      "dynamodb:PutItem arn:t/a",
      "dynamodb:UpdateItem arn:t/a",
      "dynamodb:DeleteItem arn:t/b",
      "dynamodb:ConditionCheckItem arn:t/b",
    ]);
    expect(dynamoRequests("TransactGetItems", { TransactItems: [{ Get: { TableName: "a" } }] }, arn)).toEqual([{ action: "dynamodb:GetItem", resource: "arn:t/a" }]);
    expect(dynamoRequests("ListTables", {}, arn)).toEqual([{ action: "dynamodb:ListTables", resource: "*" }]);
  });
});
