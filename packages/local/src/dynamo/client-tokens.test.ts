import { GetItemCommand, PutItemCommand, TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite, type LocalDynamo } from "@media/testing/local-dynamo";
import { createHash } from "node:crypto";
import { canonicalJson, fingerprintOf, TOKEN_LIFETIME_MS } from "./client-tokens";

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

describe("fingerprintOf", () => {
  // Fingerprints are stored with their tokens: the text hashed is JSON.stringify of the request rebuilt
  // with sorted keys, as recorded by earlier versions, whatever way it is computed.
  const rebuiltSorted = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
    );
  const request = {
    TransactItems: [
      { Put: { TableName, Item: { sk: { S: "b" }, pk: { S: "a" }, "10": { N: "1" }, "2": { S: "é\u2028\"" }, "01": { L: [{ NULL: true }, { BOOL: false }, { M: { z: { N: "1.5e300" }, y: { N: "-0" } } }] }, "": { S: "" } } } },
      { Update: { Key: key("a", "c"), UpdateExpression: "ADD n :by", ExpressionAttributeValues: { ":by": { N: "1" } }, TableName } },
    ],
    ReturnItemCollectionMetrics: "SIZE",
  };

  it("hashes the same text as a sorted rebuild of the request", () => {
    const parsed = JSON.parse(JSON.stringify(request)) as typeof request;
    expect(canonicalJson([parsed.TransactItems, parsed.ReturnItemCollectionMetrics])).toBe(rebuiltSorted([parsed.TransactItems, parsed.ReturnItemCollectionMetrics]));
    expect(fingerprintOf(parsed)).toBe(createHash("sha256").update(rebuiltSorted([parsed.TransactItems, parsed.ReturnItemCollectionMetrics])).digest("base64url"));
  });

  it("ignores key order and tells different requests apart", () => {
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, m]) => [k, reversed(m)])) : v;
    const reordered = reversed(request) as typeof request;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(request));
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(request));
    expect(fingerprintOf({ TransactItems: request.TransactItems })).not.toBe(fingerprintOf(request));
  });
});
