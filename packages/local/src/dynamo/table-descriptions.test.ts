import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import type { Callback, DynaliteStore, TableDb } from "./dynalite-internals";
import { localDynamoPerFile } from "@media/testing/local-dynamo";
import { cacheTableDescriptions, copyOf } from "./table-descriptions";

const TableName = "table-descriptions-test";
const dynamo = localDynamoPerFile({ tableName: TableName, inRuntimeThread: true });
const client = () => dynamo().baseClient;

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("table descriptions kept in memory", () => {
  it("follow UpdateTable, DeleteTable and CreateTable at once, as a LevelDB read would", async () => {
    const other = "described-then-changed";
    const create = () =>
      client().send(
        new CreateTableCommand({
          TableName: other,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        }),
      );
    // As on AWS, a table is used once ACTIVE: CreateTable answers CREATING, and dynalite turns it
    // ACTIVE on a timer of its own, which a busy machine may run after the next request arrives.
    const active = () => expect.poll(async () => (await client().send(new DescribeTableCommand({ TableName: other }))).Table?.TableStatus).toBe("ACTIVE");
    await create();
    await active();
    await client().send(new PutItemCommand({ TableName: other, Item: { id: { S: "a" } } }));
    expect((await client().send(new DescribeTableCommand({ TableName: other }))).Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");

    await client().send(new UpdateTableCommand({ TableName: other, BillingMode: "PROVISIONED", ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 } }));
    expect((await client().send(new DescribeTableCommand({ TableName: other }))).Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 7, WriteCapacityUnits: 3 });

    await client().send(new DeleteTableCommand({ TableName: other }));
    expect(await fail(client().send(new GetItemCommand({ TableName: other, Key: { id: { S: "a" } } })))).toMatchObject({ name: "ResourceNotFoundException" });

    await create();
    await active();
    expect((await client().send(new GetItemCommand({ TableName: other, Key: { id: { S: "a" } } }))).Item).toBeUndefined();
  });

  it("never keeps a read that a write overtook, and hands out a fresh copy each time", async () => {
    // A sub-database whose reads answer only when the test says so.
    const stored = new Map<string, unknown>([["t", { TableName: "t", TableStatus: "ACTIVE", v: 1 }]]);
    const waiting: (() => void)[] = [];
    let reads = 0;
    const tableDb: TableDb = {
      get: (key: string, cb?: Callback<unknown>) => {
        reads += 1;
        const value = structuredClone(stored.get(key));
        waiting.push(() => cb?.(null, value));
      },
      put: (key: string, value: unknown, cb?: Callback<void>) => {
        stored.set(key, structuredClone(value));
        cb?.(null);
      },
      del: (key: string, cb?: Callback<void>) => {
        stored.delete(key);
        cb?.(null);
      },
      batch: (_operations: unknown[], cb?: Callback<void>) => cb?.(null),
    };
    cacheTableDescriptions({ tableDb } as unknown as DynaliteStore);
    const get = (key: string) => new Promise<Record<string, unknown>>((resolve, reject) => tableDb.get(key, (e, v) => (e ? reject(e) : resolve(v as Record<string, unknown>))));

    // A read under way when a write lands answers what it read, but is not kept.
    const before = get("t");
    await new Promise<void>((resolve) => tableDb.put("t", { TableName: "t", TableStatus: "ACTIVE", v: 2 }, () => resolve()));
    waiting.shift()!();
    expect((await before).v).toBe(1);
    const after = get("t");
    expect(waiting).toHaveLength(1);
    waiting.shift()!();
    expect((await after).v).toBe(2);

    // Kept from then on: no more reads of LevelDB, and each caller gets its own copy.
    const readsSoFar = reads;
    const [a, b] = await Promise.all([get("t"), get("t")]);
    expect(reads).toBe(readsSoFar);
    expect(a).toEqual({ TableName: "t", TableStatus: "ACTIVE", v: 2 });
    a.v = 99;
    expect(b.v).toBe(2);
    expect((await get("t")).v).toBe(2);

    // A delete forgets it.
    await new Promise<void>((resolve) => tableDb.del("t", () => resolve()));
    const gone = get("t");
    waiting.shift()!();
    expect(await gone).toBeUndefined();
  });

  it("copies a description all the way down, so no reader's change reaches the kept one or another reader's", () => {
    const kept = { TableName: "t", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], GlobalSecondaryIndexes: [{ IndexName: "i", Projection: { ProjectionType: "ALL" }, ItemCount: 0 }], BillingModeSummary: null, Deleting: false };
    const copy = copyOf(kept);
    expect(copy).toEqual(kept);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(kept));
    copy.KeySchema[0]!.AttributeName = "changed";
    copy.GlobalSecondaryIndexes[0]!.Projection.ProjectionType = "KEYS_ONLY";
    expect(kept.KeySchema[0]!.AttributeName).toBe("pk");
    expect(kept.GlobalSecondaryIndexes[0]!.Projection.ProjectionType).toBe("ALL");
  });
});
