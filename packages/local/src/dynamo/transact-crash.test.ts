import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "@media/functions/adapters/dynamo-table";
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite } from "@media/testing/local-dynamo";

/**
 * A SIGKILL at each step of applying a transaction: the store runs in a child process that stops at the
 * step (or, for `writing`, keeps writing while the kill is sent), then the directory is opened again here
 * and every item of the transaction must be at its old version or every one at its new version. A retry
 * with the transaction's ClientRequestToken must then leave it applied exactly once.
 */
const TableName = "transact-crash-test";
const childScript = fileURLToPath(new URL("./transact-crash-child.ts", import.meta.url));
const ITEMS = 100;
// About 20 KB per item, 2 MB in all: a batch that takes LevelDB a moment to write, for the kill to land in.
const payload = "x".repeat(20_000);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "transact-crash-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const key = (i: number) => ({ pk: { S: "CRASH" }, sk: { S: `ITEM#${String(i).padStart(3, "0")}` } });
const clientFor = (endpoint: string) => new DynamoDBClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 1 });
const transaction: TransactWriteItem[] = Array.from({ length: ITEMS }, (_, i) => ({
  Update: {
    TableName,
    Key: key(i),
    UpdateExpression: "ADD n :one SET payload = :payload",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":one": { N: "1" }, ":payload": { S: payload } },
  },
}));
const ClientRequestToken = "crash-test-transaction";

function startChild(dir: string, stopAt: string): { child: ChildProcess; messages: AsyncIterator<Record<string, unknown>> } {
  const child = fork(childScript, [dir, stopAt], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  child.on("message", (message) => {
    queue.push(message as Record<string, unknown>);
    wake?.();
  });
  child.once("exit", () => wake?.());
  const messages: AsyncIterator<Record<string, unknown>> = {
    async next() {
      while (!queue.length) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the store process exited (${child.exitCode ?? child.signalCode})`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return { value: queue.shift()!, done: false };
    },
  };
  return { child, messages };
}

async function counts(client: DynamoDBClient): Promise<number[]> {
  const items = await Promise.all(Array.from({ length: ITEMS }, (_, i) => client.send(new GetItemCommand({ TableName, Key: key(i), ConsistentRead: true }))));
  return items.map(({ Item }) => Number(Item?.n?.N));
}

// The four steps side by side: each has its own directory, store process and ports, and a step's test
// waits for its own child's messages, so they share nothing but the machine.
describe.concurrent("a transaction killed while it is applied", () => {
  for (const stopAt of ["locked", "evaluated", "writing", "written"] as const) {
    it(`is all or nothing after a SIGKILL ${stopAt === "writing" ? "while its batch is written" : `at step "${stopAt}"`}, and applies once on retry`, async () => {
      const dir = join(root, stopAt);
      const { child, messages } = startChild(dir, stopAt);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const { value: ready } = await messages.next();
      const client = clientFor(`http://127.0.0.1:${ready.port}`);
      await ensureTable(client, TableName);
      for (let i = 0; i < ITEMS; i++) await client.send(new PutItemCommand({ TableName, Item: { ...key(i), n: { N: "0" } } }));

      const answer = client.send(new TransactWriteItemsCommand({ TransactItems: transaction, ClientRequestToken })).catch((error: unknown) => error);
      expect((await messages.next()).value).toEqual({ at: stopAt });
      child.kill("SIGKILL");
      await exited;
      expect(await answer).toBeInstanceOf(Error); // the client never got an answer
      client.destroy();

      const reopened = await startDynalite({ tableName: TableName, onDisk: dir });
      try {
        const after = await counts(reopened.baseClient);
        expect(new Set(after).size).toBe(1);
        if (stopAt === "locked" || stopAt === "evaluated") expect(after[0]).toBe(0);
        if (stopAt === "written") expect(after[0]).toBe(1);

        await reopened.baseClient.send(new TransactWriteItemsCommand({ TransactItems: transaction, ClientRequestToken }));
        expect(await counts(reopened.baseClient)).toEqual(Array(ITEMS).fill(1));
      } finally {
        await reopened.stop();
      }
    });
  }
});
