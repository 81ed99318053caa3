import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { ensureTable } from "@media/functions/adapters/dynamo-table";
import { startLocalDynamo } from "@media/local/dynamo/local-dynamo";
import { createLocalDynalite } from "@media/local/dynamo/transactional-dynalite";

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

interface CommonOptions {
  /** Keep the data on disk: `true` for a fresh temp dir (removed on stop), or a directory to use (kept). */
  onDisk?: boolean | string;
  tableName?: string;
}

export type StartDynaliteOptions = CommonOptions &
  (
    | {
        /** In this process (the default): the store may be given what a worker thread cannot carry. */
        inRuntimeThread?: false;
        /** The store's clock (epoch ms) for client-token expiry, for tests that move time. */
        now?: () => number;
      }
    | {
        /** Through the runtime's own worker thread (@media/local/dynamo/local-dynamo): the DynamoDB `npm start` serves. */
        inRuntimeThread: true;
        now?: never;
      }
  );

export interface LocalDynamo {
  endpoint: string;
  /** A document client with dummy credentials in us-east-1, pointed at this dynalite. */
  client: DynamoDBDocumentClient;
  /** The low-level client under `client`, for table operations and tests in DynamoDB's own JSON. */
  baseClient: DynamoDBClient;
  /** A plain client of its own with `cacheMiddleware: true`, as the functions give the media repository for its writes. */
  writer: DynamoDBClient;
  tableName: string;
  stop(): Promise<void>;
}

/**
 * A real DynamoDB API (dynalite with transactions: the local runtime's own) on 127.0.0.1 and a free port,
 * with the service's table created from the same definition the local runtime uses and ACTIVE before
 * this resolves. Each call is independent; for one per test file, `localDynamoPerFile`.
 */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? "media-test";
  const tempDir = options.onDisk === true ? await mkdtemp(join(tmpdir(), "dynalite-")) : undefined;
  const path = typeof options.onDisk === "string" ? options.onDisk : tempDir;
  const removeTempDir = async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };

  let endpoint: string;
  let closeStore: () => Promise<void>;
  if (options.inRuntimeThread) {
    // The thread creates the table and waits for it to be ACTIVE before it answers.
    const thread = await startLocalDynamo({ ...(path ? { dir: path } : {}), tableName, region: REGION }).catch(async (error: unknown) => {
      await removeTempDir();
      throw error;
    });
    endpoint = thread.endpoint;
    closeStore = thread.close;
  } else {
    const server = createLocalDynalite({ ...(path ? { path } : {}), ...(options.now ? { now: options.now } : {}) });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeStore = async () => {
      // Kept-alive connections would hold close() open, and with it the LevelDB directory a restart reopens.
      server.closeAllConnections();
      // dynalite's close also closes its LevelDB store.
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    };
  }

  const baseClient = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  const client = DynamoDBDocumentClient.from(baseClient);
  const writer = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS, cacheMiddleware: true });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.destroy();
    baseClient.destroy();
    writer.destroy();
    await closeStore();
    await removeTempDir();
  };

  if (!options.inRuntimeThread) {
    try {
      await ensureTable(baseClient, tableName);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { endpoint, client, baseClient, writer, tableName, stop };
}

/**
 * One local DynamoDB for the calling test file, started (table created and ACTIVE) before its tests and
 * stopped after them. Call at the top level of the file: it registers the file's beforeAll and afterAll,
 * and returns the accessor its tests call.
 */
export function localDynamoPerFile(options: StartDynaliteOptions = {}): () => LocalDynamo {
  let started: LocalDynamo | undefined;
  beforeAll(async () => {
    started = await startDynalite(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return () => {
    if (!started) throw new Error("the local DynamoDB is used before beforeAll started it");
    return started;
  };
}
