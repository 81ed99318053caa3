import { mkdir } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "@media/functions/adapters/dynamo-table";
import { MISDIRECTED, servedHostValues, servedHosts, type ServedHosts } from "../host-guard";
import type { LocalIam } from "../iam/local-iam";

/**
 * DynamoDB on disk through dynalite (a faithful implementation of the DynamoDB API on LevelDB) with
 * transactions added (transactional-dynalite.ts), with the table created from the same definition as the
 * Storage stack's.
 *
 * dynalite is single-threaded JavaScript (expression parsing, validation, LevelDB calls): on the
 * runtime's own event loop it took about a third of the CPU of every presign, in turn with the gateway
 * and the handlers. In a worker thread of its own it runs on another core, as a real DynamoDB
 * endpoint runs elsewhere; the handlers reach it over HTTP either way.
 */
/** `hosts`: the host names it answers for (host-guard.ts); by default loopback. */
export async function startLocalDynamo({
  dir,
  tableName,
  region,
  port = 0,
  hosts = servedHosts({}),
  iam,
}: {
  dir?: string;
  tableName: string;
  region: string;
  port?: number;
  hosts?: ServedHosts;
  /** Callers are then authenticated and authorized as DynamoDB does (dynamo-front.ts, in the table's thread) before dynalite sees a request. */
  iam?: { iam: LocalIam; accountId: string };
}) {
  if (dir) await mkdir(dir, { recursive: true });
  const options = dir ? { path: dir } : {};
  const guard = iam ? { options: iam.iam.options, region, accountId: iam.accountId } : undefined;
  const worker = new Worker(new URL("./dynalite-worker.mjs", import.meta.url), { workerData: { options, port, iam: guard } });
  const listening = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the local DynamoDB thread exited (${code}) before listening`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: { port?: number; error?: string }) => {
      if (message.port === undefined) return reject(new Error(`the local DynamoDB could not start: ${message.error}`));
      const bound = message.port;
      // The thread answers nothing until it knows which hosts it serves on that port.
      worker.once("message", () => {
        worker.off("error", reject);
        worker.off("exit", onExit);
        resolve(bound);
      });
      worker.postMessage({ guard: { served: [...servedHostValues(hosts, bound)], refusal: MISDIRECTED } });
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  // A failure of the table's thread later is a failure of the runtime, as it was when dynalite ran inline.
  worker.on("error", (error) => {
    throw error;
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const endpoint = `http://127.0.0.1:${listening}`;
  // The runtime's own call: with IAM on, signed with the admin key as the operator's scripts are.
  const client = new DynamoDBClient({ region, endpoint, credentials: iam ? iam.iam.options.admin : { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    await ensureTable(client, tableName);
  } catch (error) {
    // A running thread would keep the process alive after the runtime gave up starting.
    await worker.terminate();
    throw error;
  } finally {
    client.destroy();
  }
  let closing: Promise<void> | undefined;
  const closeTable = () => {
    // Asks the thread to close the server and its LevelDB; a thread that is already gone just ends.
    if (!closing) {
      worker.postMessage("close");
      closing = exited;
    }
    return closing;
  };
  return { endpoint, close: closeTable };
}
