import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { ensureTable } from "@media/functions/adapters/dynamo-table";

/**
 * DynamoDB on disk through dynalite (a faithful implementation of the DynamoDB API on LevelDB),
 * with the table created from the same definition as the Storage stack's.
 */
export async function startLocalDynamo({ dir, tableName, region, port = 0 }: { dir?: string; tableName: string; region: string; port?: number }) {
  if (dir) await mkdir(dir, { recursive: true });
  const server = dir ? dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) : dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region, endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  await ensureTable(client, tableName);
  client.destroy();
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
