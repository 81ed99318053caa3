import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AddressInfo } from "node:net";
import { ensureTable } from "@media/functions/adapters/dynamo-table";
import { createLocalDynalite, type LocalDynaliteOptions } from "../../src/dynamo/transactional-dynalite";

export interface ServedDynalite {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * The transactional dynalite in this process on a free port, with the service's table created: for tests
 * that pass it what the runtime's worker cannot carry (a clock, a hook on the steps of applying).
 */
export async function serveDynalite(tableName: string, options: LocalDynaliteOptions = {}): Promise<ServedDynalite> {
  const server = createLocalDynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const close = async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  };
  try {
    await ensureTable(client, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, client, close };
}
