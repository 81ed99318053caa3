import { GetItemCommand, PutItemCommand, TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite, type LocalDynamo } from "@media/testing/local-dynamo";
import { TOKEN_LIFETIME_MS } from "./client-tokens";

const TableName = "client-tokens-test";
let clock = Date.parse("2026-01-01T00:00:00Z");
let dynamo: LocalDynamo;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "client-tokens-"));
  dynamo = await startDynalite({ tableName: TableName, onDisk: join(dir, "db"), now: () => clock });
});
afterAll(async () => {
  await dynamo.stop();
  await rm(dir, { recursive: true, force: true });
});

let partitions = 0;
const freshPartition = () => `T#${++partitions}`;
const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const count = async (pk: string, sk = "C", on = dynamo) =>
  (await on.baseClient.send(new GetItemCommand({ TableName, Key: key(pk, sk), ConsistentRead: true }))).Item?.n?.N;
const increment = (pk: string, sk = "C", by = "1"): TransactWriteItem => ({
  Update: { TableName, Key: key(pk, sk), UpdateExpression: "ADD n :by", ExpressionAttributeValues: { ":by": { N: by } } },
});
const send = (ClientRequestToken: string, TransactItems: TransactWriteItem[], on = dynamo) =>
  on.baseClient.send(new TransactWriteItemsCommand({ ClientRequestToken, TransactItems }));

describe("ClientRequestToken", () => {
  it("answers a repeat of the same request with success and applies it once", async () => {
    const pk = freshPartition();
    await send(`${pk}-token`, [increment(pk), increment(pk, "D")]);
    await send(`${pk}-token`, [increment(pk), increment(pk, "D")]);
    expect(await count(pk)).toBe("1");
    expect(await count(pk, "D")).toBe("1");
  });

  it("refuses the same token with another request, applying nothing", async () => {
    const pk = freshPartition();
    await send(`${pk}-token`, [increment(pk)]);
    const error = await send(`${pk}-token`, [increment(pk, "C", "5")]).catch((caught: Error) => caught);
    expect((error as Error).name).toBe("IdempotentParameterMismatchException");
    expect(await count(pk)).toBe("1");
  });

  it("treats the token as new once 10 minutes have passed since the first request completed", async () => {
    const pk = freshPartition();
    await send(`${pk}-token`, [increment(pk)]);
    clock += TOKEN_LIFETIME_MS - 1;
    await send(`${pk}-token`, [increment(pk)]);
    expect(await count(pk)).toBe("1");
    clock += 1;
    await send(`${pk}-token`, [increment(pk)]);
    expect(await count(pk)).toBe("2");
  });

  it("evaluates again the retry of a cancelled transaction: nothing was applied under its token", async () => {
    const pk = freshPartition();
    const guarded: TransactWriteItem[] = [increment(pk), { ConditionCheck: { TableName, Key: key(pk, "GATE"), ConditionExpression: "attribute_exists(pk)" } }];
    await expect(send(`${pk}-token`, guarded)).rejects.toBeInstanceOf(TransactionCanceledException);
    await dynamo.baseClient.send(new PutItemCommand({ TableName, Item: key(pk, "GATE") }));
    await send(`${pk}-token`, guarded);
    expect(await count(pk)).toBe("1");
  });

  it("applies once when the same request with one token arrives many times at once", async () => {
    const pk = freshPartition();
    await Promise.all(Array.from({ length: 10 }, () => send(`${pk}-token`, [increment(pk)])));
    expect(await count(pk)).toBe("1");
  });

  it("remembers tokens across a restart on the same directory", async () => {
    const pk = freshPartition();
    await send(`${pk}-token`, [increment(pk)]);
    await dynamo.stop();
    dynamo = await startDynalite({ tableName: TableName, onDisk: join(dir, "db"), now: () => clock });
    await send(`${pk}-token`, [increment(pk)]);
    expect(await count(pk)).toBe("1");
    const error = await send(`${pk}-token`, [increment(pk, "C", "2")]).catch((caught: Error) => caught);
    expect((error as Error).name).toBe("IdempotentParameterMismatchException");
  });
});
