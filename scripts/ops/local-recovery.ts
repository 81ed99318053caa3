import { join } from "node:path";
import { buildRecoveryServices, type RecoveryServices } from "@media/functions/recovery-services";
import { startLocalCognito } from "@media/local/cognito/cognito-server";
import { startLocalDynamo } from "@media/local/dynamo/local-dynamo";
import { LocalIam } from "@media/local/iam/local-iam";
import { loadLocalSecrets } from "@media/local/local-secrets";
import { LOCAL } from "@media/local/runtime";
import { startLocalS3 } from "@media/local/storage/s3-server";
import type { RenditionQueue } from "@media/core/renditions/ports";
import { RenditionRequestSchema } from "@media/core/renditions/render";
import type { DurableQueue } from "@media/local/queue/durable-queue";
import type { CliStream } from "./cli";
import { lockLocalData, openLocalQueues } from "./local-data";

/**
 * The local runtime's table, storage and user pool, opened on its DATA_DIR by a recovery script while
 * the runtime is stopped: the same local servers the runtime starts (on free ports, without the queue
 * consumers, the gateway or any storage notification), spoken to by the same adapters as on AWS, and the
 * renditions queue as the runtime opens it (reindex requests owed renditions there).
 *
 * The runtime must not run meanwhile (it would hold the table and keep its own view of the files): the
 * check is the runtime's own database lock (see lockLocalData), which refuses with RuntimeRunningError.
 * After the check the local DynamoDB opens that same database and holds its lock for the whole run, so
 * a runtime started meanwhile fails to start instead of racing.
 */
export interface LocalRecovery {
  services: RecoveryServices;
  endpoints: { s3: string; dynamodb: string };
  close(): Promise<void>;
}

export async function openLocalRecovery(dataDir: string, options: { cognito?: boolean; /** Where the local storage's errors go (the script's stderr). */ stderr?: CliStream } = {}): Promise<LocalRecovery> {
  const check = await lockLocalData(dataDir);
  await check.release();
  const stops: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
    try {
      dynamo = await startLocalDynamo({ dir: join(dataDir, "dynamodb"), tableName: LOCAL.table, region: LOCAL.region });
    } catch (error) {
      // Started between the check and now: say so rather than show LevelDB's error.
      await (await lockLocalData(dataDir)).release();
      throw error;
    }
    stops.push(dynamo.close);
    const secrets = await loadLocalSecrets(dataDir);
    const credentials = { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey };
    const quiet = { info: () => undefined, warn: () => undefined, error: (message: string) => (options.stderr ?? process.stderr).write(`local storage: ${message}\n`) };
    const s3 = await startLocalS3({ dataDir: join(dataDir, "s3"), region: LOCAL.region, credentials, buckets: [{ name: LOCAL.bucket }], log: quiet });
    stops.push(s3.close);
    let cognitoEndpoint: string | undefined;
    if (options.cognito) {
      // Started even where no pool exists yet (it is then created empty, as the runtime would): the
      // Cognito client must never be left without a local endpoint, or it would go to AWS.
      const cognito = await startLocalCognito({
        // The operator signs with the admin key, as the runtime's own scripts do.
        iam: LocalIam.adminOnly(credentials, LOCAL.region, LOCAL.accountId),
        dataDir: join(dataDir, "cognito"),
        region: LOCAL.region, userPoolId: LOCAL.userPoolId, clientId: LOCAL.clientId, preferredUsernameSignIn: false });
      stops.push(cognito.close);
      cognitoEndpoint = cognito.endpoint;
    }
    const { queue: renditionQueue } = await openLocalQueues(dataDir, "renditions");
    const services = buildRecoveryServices({
      region: LOCAL.region,
      tableName: LOCAL.table,
      bucketName: LOCAL.bucket,
      userPoolId: LOCAL.userPoolId,
      endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint, ...(cognitoEndpoint ? { cognito: cognitoEndpoint } : {}) },
      credentials,
      s3ForcePathStyle: true,
    }, { renditions: localRenditionQueue(renditionQueue) });
    stops.push(async () => services.close());
    return { services, endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The runtime's renditions queue, written while the runtime is stopped: a file whose request waits there
 * already (from the topic, or from an earlier run) is not queued twice.
 */
export function localRenditionQueue(queue: DurableQueue): RenditionQueue {
  const fileOf = (request: { userId: string; fileId: string }) => `${request.userId}/${request.fileId}`;
  const waiting = new Set<string>();
  for (const message of queue.list()) {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      continue;
    }
    const request = RenditionRequestSchema.safeParse(body);
    if (request.success) waiting.add(fileOf(request.data));
  }
  return {
    waiting: async (request) => waiting.has(fileOf(request)),
    async enqueue(request) {
      await queue.send(JSON.stringify(request));
      waiting.add(fileOf(request));
    },
  };
}
