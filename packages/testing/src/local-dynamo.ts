import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTable } from "@media/functions/adapters/dynamo-table";
import { createLocalDynalite } from "@media/local/dynamo/transactional-dynalite";

export interface StartDynaliteOptions {
  /** Keep the data on disk: `true` for a fresh temp dir (removed on stop), or a directory to use (kept). */
  onDisk?: boolean | string;
  tableName?: string;
}

export interface LocalDynamo {
  endpoint: string;
  /** A document client with dummy credentials in us-east-1, pointed at this dynalite. */
  client: DynamoDBDocumentClient;
  /** The low-level client under `client`, for table operations. */
  baseClient: DynamoDBClient;
  /** A plain client of its own with `cacheMiddleware: true`, as the functions give the media repository for its writes. */
  writer: DynamoDBClient;
  tableName: string;
  stop(): Promise<void>;
}

/**
 * A real DynamoDB API (dynalite, with transactions: the local runtime's own) on 127.0.0.1 and a free port, with the service's table created from the
 * same definition the local runtime uses. Each call is independent: start one per test file.
 */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? "media-test";
  const tempDir = options.onDisk === true ? await mkdtemp(join(tmpdir(), "dynalite-")) : undefined;
  const path = typeof options.onDisk === "string" ? options.onDisk : tempDir;
  const server = createLocalDynalite(path ? { path } : {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const baseClient = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const client = DynamoDBDocumentClient.from(baseClient);
  const writer = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    cacheMiddleware: true,
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.destroy();
    baseClient.destroy();
    writer.destroy();
    // dynalite's close also closes its LevelDB store.
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };

  try {
    await ensureTable(baseClient, tableName);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, client, baseClient, writer, tableName, stop };
}
