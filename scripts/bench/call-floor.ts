import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";

/**
 * What one call costs on this machine before any service does any work: the CPU of a keep-alive HTTP
 * round trip in node (client and server), and of one AWS SDK DynamoDB call (built as the functions
 * build theirs: a plain client with `cacheMiddleware`) to an endpoint that answers at once. A presign
 * is one gateway request plus two SDK calls (the authorizer's GetItem, the handler's TransactWriteItems),
 * so these bound from below what the runtime can spend per presign, whatever the table does.
 *
 * Measured in the benchmark's own process, one thread, `concurrency` calls in flight, after a warm-up.
 */
export interface CallFloor {
  /** CPU ms of one raw HTTP round trip, client and server side together. */
  httpRoundTripMs: number;
  /** CPU ms of one SDK GetItem round trip against a server that answers a fixed item, both sides together. */
  sdkCallMs: number;
}

const ITEM = JSON.stringify({ Item: { pk: { S: "USER#u" }, sk: { S: "SESSIONS" }, cutoffMs: { N: "1" } } });

export async function measureCallFloor(options: { calls?: number; concurrency?: number } = {}): Promise<CallFloor> {
  const calls = options.calls ?? 4_000;
  const concurrency = options.concurrency ?? 16;
  const server = createServer((req, res) => {
    req.resume();
    req.once("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(ITEM) });
      res.end(ITEM);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "AKIDFLOOR", secretAccessKey: "floor-secret" },
    cacheMiddleware: true,
  });
  try {
    const raw = () =>
      new Promise<void>((resolve, reject) => {
        const r = request({ host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { "content-type": "application/json" } }, (answer) => {
          answer.resume();
          answer.once("end", resolve);
        });
        r.once("error", reject);
        r.end('{"TableName":"t"}');
      });
    const sdk = () => client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "USER#u" }, sk: { S: "SESSIONS" } }, ConsistentRead: true }));
    return { httpRoundTripMs: await cpuPerCall(raw, calls, concurrency), sdkCallMs: await cpuPerCall(sdk, calls, concurrency) };
  } finally {
    client.destroy();
    agent.destroy();
    await closeServer(server);
  }
}

async function cpuPerCall(call: () => Promise<unknown>, calls: number, concurrency: number): Promise<number> {
  const loop = async (n: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started++ < n) await call();
      }),
    );
  };
  await loop(Math.ceil(calls / 4));
  const before = process.cpuUsage();
  await loop(calls);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / calls;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
