import { mkdir } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { INDEXER_SETTINGS } from "@media/core/indexer-settings";
import { ORIGINALS_PREFIX } from "@media/core/keys";
import { parseMediaEvent } from "@media/core/media-event";
import { ABORT_INCOMPLETE_MULTIPART_DAYS } from "@media/core/multipart";
import { ROUTES } from "@media/core/routes";
import { startLocalDynamo } from "./dynamo/local-dynamo";
import { freshScratchDir } from "./scratch";
import { startGateway, type RouteHandler } from "./gateway/gateway-server";
import { loadLocalSecrets } from "./local-secrets";
import type { DurableQueue } from "./queue/durable-queue";
import { LOCAL_QUEUES, openLocalQueue } from "./queue/local-queues";
import { startSqsConsumer } from "./queue/sqs-consumer";
import { startLocalSns } from "./sns/sns-server";
import { LocalTopic } from "./sns/topic";
import { parseWebhookList, webhookSubscriber } from "./sns/webhooks";
import { startLocalS3 } from "./storage/s3-server";
import { startLocalCognito } from "./cognito/cognito-server";
import { totpTestClock } from "./cognito/totp-test-clock";
import { startLocalSes } from "./mail/ses-server";
import { localExtras } from "./local-extras";
import type { LocalConfig } from "./config";
import { useLogOutput } from "@media/functions/log";
import { useMetrics } from "@media/functions/metrics";
import { deliverLocalMail, terminalLogOutput } from "./console-log";
import { createPrometheusMetrics } from "./prometheus-metrics";
import { useCredentialSource } from "@media/functions/credentials";
import { LocalIam, type LocalResources } from "./iam/local-iam";
import { credentialSource, invokeAs } from "./iam/invocations";
import { requireEventSourceGrants } from "./iam/event-source";
import { functionEnvironment } from "@media/core/function-env";
import { startLocalRenditions } from "./renditions";
import { LOCAL_NOTICE_FROM, LOCAL_NOTICE_IDENTITY } from "./mail/local-sender";

/**
 * The one-machine runtime: plays AWS's part (storage, queue, table, user pool, topic, gateway) around
 * the real handlers of packages/functions, which are configured exactly as on AWS through environment
 * variables, with the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variables pointing at the local parts.
 */
export const LOCAL = {
  region: "us-east-1",
  accountId: "000000000000",
  bucket: "media-local",
  table: "media-local",
  topicName: "media-events",
  // Cognito's own id format (<region>_<id>), so aws-jwt-verify accepts the pool as it does on AWS.
  userPoolId: "us-east-1_LocalPool",
  clientId: "localwebclient0000000000000",
  queueName: LOCAL_QUEUES.index.name,
  renditionQueueName: LOCAL_QUEUES.renditions.name,
  // The service's own notices come from here; the local SES knows it as its one verified identity.
  noticeFrom: LOCAL_NOTICE_FROM,
  noticeIdentity: LOCAL_NOTICE_IDENTITY,
} as const;

export interface LocalRuntime {
  url: string;
  s3Endpoint: string;
  config: LocalConfig;
  /** Resolves once every queued storage event has been handled (indexed, or dead-lettered). */
  drained(): Promise<void>;
  deadLetters: DurableQueue;
  queue: DurableQueue;
  /** Resolves once every rendition request published so far has been handled (or dead-lettered). */
  renditionsDrained(): Promise<void>;
  renditionQueue: DurableQueue;
  renditionDeadLetters: DurableQueue;
  /**
   * Stops every part, the gateway first. Queue consumers wait for their invocations under way, all of them
   * or for at most `graceMs` (Ctrl-C should not wait out a 15-minute encode): what is still running then
   * is left unfinished, and its message is delivered again after the next start.
   */
  stop(options?: StopOptions): Promise<void>;
}

export interface StopOptions {
  graceMs?: number;
}

export interface RuntimeLog {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export async function startLocalRuntime(config: LocalConfig, log: RuntimeLog): Promise<LocalRuntime> {
  await mkdir(config.dataDir, { recursive: true });
  // Where the handlers' logs and metrics go here (on AWS: JSON lines to stdout, and EMF).
  useLogOutput(terminalLogOutput());
  const metrics = createPrometheusMetrics();
  useMetrics(metrics);
  const secrets = await loadLocalSecrets(config.dataDir);
  const scratchDir = await freshScratchDir(config.dataDir);
  // Each function signs with its own key and holds its role's policy from the stacks; the runtime's own
  // calls (table creation, /_local extras) and the operator's scripts use the admin key.
  const iam = new LocalIam({ admin: { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey }, resources: localResources() });
  useCredentialSource(credentialSource(iam));
  const stops: Array<(options: StopOptions) => Promise<void>> = [];
  const stopAll = async (options: StopOptions = {}) => {
    for (const stop of stops.reverse()) await stop(options).catch((error: unknown) => log.error("stop failed", { error }));
  };
  const stopConsumer = (name: string, consumer: { stop(graceMs?: number): Promise<number> }) => async ({ graceMs }: StopOptions) => {
    const left = await consumer.stop(graceMs);
    if (left > 0) log.info(`left ${left} ${name} invocation(s) unfinished: their messages are delivered again after the next start`);
  };
  try {
    const topicArn = LOCAL_ARNS.topic;
    const topic = new LocalTopic(topicArn, (error) => log.error("event delivery failed", { error }));
    topic.subscribe((n) => {
      const e = parseMediaEvent(n.Message);
      if (e) log.info("media event", { type: e.type, fileId: e.fileId, userId: e.userId, ...(e.renditions ? { renditions: e.renditions.status } : {}) });
      else log.error("a message on the media-events topic is not a media event", { messageId: n.MessageId });
    });
    for (const url of parseWebhookList(config.webhooks)) topic.subscribe(webhookSubscriber(url));
    const sns = await startLocalSns({ topics: [topic], iam, hosts: config.servedHosts });
    stops.push(sns.close);

    const dynamo = await startLocalDynamo({
      dir: join(config.dataDir, "dynamodb"),
      tableName: LOCAL.table,
      region: LOCAL.region,
      hosts: config.servedHosts,
      iam: { iam, accountId: LOCAL.accountId },
    });
    stops.push(dynamo.close);

    // Test-only, behind TOTP_TEST_CLOCK_ENV (config.ts): npm start has no such control.
    const totpClock = config.totpTestClock ? totpTestClock() : undefined;
    if (totpClock) log.info("test-only TOTP clock control is on: never use this runtime for real accounts");
    const cognito = await startLocalCognito({
      dataDir: join(config.dataDir, "cognito"),
      region: LOCAL.region,
      hosts: config.servedHosts,
      iam,
      userPoolId: LOCAL.userPoolId,
      clientId: LOCAL.clientId,
      // As the Auth stack's pool: email is the sign-in name; the API resolves a username to it (ListUsers).
      preferredUsernameSignIn: false,
      onCode: (m) => deliverLocalMail(m),
      ...(totpClock ? { totpClock: totpClock.now } : {}),
    });
    stops.push(cognito.close);
    // The service's own mail (the email-change notice) lands in the same outbox as the pool's codes.
    const ses = await startLocalSes({ iam, hosts: config.servedHosts, identities: [LOCAL.noticeIdentity], deliver: async (m) => void (await cognito.deliver(m)) });
    stops.push(ses.close);

    const { queue, deadLetters: dlq } = await openLocalQueue(config.dataDir, "index");

    // The storage CORS rules name the web app's origin, so the gateway's port must be known first.
    const port = config.port === 0 ? await freePort(config.host) : config.port;
    const webOrigins = [config.webOrigin, `http://localhost:${port}`, `http://127.0.0.1:${port}`].filter((o): o is string => !!o);
    const s3 = await startLocalS3({
      dataDir: join(config.dataDir, "s3"),
      hosts: config.servedHosts,
      region: LOCAL.region,
      credentials: { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey },
      iam,
      buckets: [
        {
          name: LOCAL.bucket,
          cors: [{ AllowedOrigins: webOrigins, AllowedMethods: ["GET", "HEAD", "POST", "PUT"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag", "Content-Length", "Content-Range", "Accept-Ranges"], MaxAgeSeconds: 3000 }],
          notifications: [{ prefix: ORIGINALS_PREFIX, events: ["s3:ObjectCreated:*"] }],
        },
      ],
      // The event is queued durably before the upload is acknowledged, so an accepted upload is indexed even after a crash.
      onEvent: async (record: unknown) => {
        await queue.send(JSON.stringify({ Records: [record] }));
      },
    });
    stops.push(s3.close);

    Object.assign(process.env, {
      AWS_REGION: LOCAL.region,
      AWS_ACCESS_KEY_ID: secrets.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secrets.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      ...functionEnvironment({
        tableName: LOCAL.table,
        bucketName: LOCAL.bucket,
        topicArn,
        userPoolId: LOCAL.userPoolId,
        userPoolClientId: LOCAL.clientId,
        cursorSecret: secrets.cursorSecret,
        maxFileBytes: String(config.maxFileBytes),
        quotaBytes: String(config.quotaBytes),
        s3ForcePathStyle: "true",
        jwks: JSON.stringify(cognito.jwks),
        noticeFrom: LOCAL.noticeFrom,
        scratchDir,
      }),
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;

    const indexer = (await import("@media/functions/indexer")) as { handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse> };
    const queueArn = LOCAL_ARNS.queue;
    requireEventSourceGrants(iam, "indexer", queueArn);
    const consumer = startSqsConsumer({
      queue,
      // Each invocation with the function's timeout, as many at once as the stack's event source allows.
      handler: (event, context) => invokeAs("indexer", () => indexer.handler(event, context)),
      functionName: "indexer",
      queueArn,
      region: LOCAL.region,
      batchSize: INDEXER_SETTINGS.batchSize,
      concurrency: config.indexConcurrency,
      timeoutMs: INDEXER_SETTINGS.timeoutSeconds * 1000,
      batchingWindowMs: config.indexBatchWindowSeconds * 1000,
      onError: (error) => log.error("indexer invocation failed", { error }),
    });
    stops.push(stopConsumer("indexer", consumer));

    const renditions = await startLocalRenditions({ dataDir: config.dataDir, topic, iam, log, queueArn: LOCAL_ARNS.renditionQueue, region: LOCAL.region });
    stops.push(stopConsumer("renditions", renditions));

    // The sweep of expired uploads, on the schedule the Indexer stack gives it on AWS.
    const sweep = (await import("@media/functions/sweep")) as typeof import("@media/functions/sweep");
    const sweepTimer = setInterval(() => void invokeAs("sweep", () => sweep.handler()).catch((error: unknown) => log.error("sweep failed", { error })), sweep.SWEEP_MINUTES * 60_000);
    sweepTimer.unref();
    stops.push(async () => clearInterval(sweepTimer));
    // The bucket's lifecycle rule that aborts stale multipart uploads, once at start and then hourly.
    const abortStale = () =>
      void s3.multipart
        .abortInitiatedBefore(LOCAL.bucket, new Date(Date.now() - ABORT_INCOMPLETE_MULTIPART_DAYS * 86_400_000))
        .catch((error: unknown) => log.error("multipart lifecycle rule failed", { error }));
    abortStale();
    const lifecycleTimer = setInterval(abortStale, 60 * 60_000);
    lifecycleTimer.unref();
    stops.push(async () => clearInterval(lifecycleTimer));

    const authorizerModule = (await import("@media/functions/authorizer")) as {
      handler: (e: APIGatewayRequestAuthorizerEventV2, c: Context) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;
    };
    const authorizer = { handler: (e: APIGatewayRequestAuthorizerEventV2, c: Context) => invokeAs("authorizer", () => authorizerModule.handler(e, c)) };
    const extras = localExtras({ outbox: cognito.outbox, topic, authorize: authorizer.handler, dynamo: new DynamoDBClient({ region: LOCAL.region, endpoint: dynamo.endpoint }), table: LOCAL.table, s3Endpoint: s3.endpoint, storageAlive: s3.alive, cognitoEndpoint: cognito.endpoint, metrics });
    const gateway = await startGateway({
      routes: ROUTES,
      loadHandler: async (name) => {
        const mod = (await import(`@media/functions/${name}`)) as { handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<unknown> };
        return ((event, context) => invokeAs(name, () => mod.handler(event, context))) as RouteHandler;
      },
      authorizer: authorizer.handler,
      authorizerCacheSeconds: config.authorizerCacheSeconds,
      identity: { accountId: LOCAL.accountId, apiId: "localapi", region: LOCAL.region },
      corsOrigins: webOrigins,
      before: totpClock ? async (req, res, url) => (await totpClock.serve(req, res, url)) || extras.before(req, res, url) : extras.before,
      after: extras.after,
      port,
      host: config.host,
      hosts: config.servedHosts,
      onError: (error, routeKey) => log.error("handler failed", { routeKey, error }),
    });
    stops.push(gateway.close);

    return {
      url: gateway.url,
      s3Endpoint: s3.endpoint,
      config,
      drained: () => consumer.idle(),
      deadLetters: dlq,
      queue,
      renditionsDrained: renditions.drained,
      renditionQueue: renditions.queue,
      renditionDeadLetters: renditions.deadLetters,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The ARNs of the local resources, as AWS would name them in this region and account. */
export const LOCAL_ARNS = {
  bucket: `arn:aws:s3:::${LOCAL.bucket}`,
  table: `arn:aws:dynamodb:${LOCAL.region}:${LOCAL.accountId}:table/${LOCAL.table}`,
  topic: `arn:aws:sns:${LOCAL.region}:${LOCAL.accountId}:${LOCAL.topicName}`,
  queue: `arn:aws:sqs:${LOCAL.region}:${LOCAL.accountId}:${LOCAL.queueName}`,
  renditionQueue: `arn:aws:sqs:${LOCAL.region}:${LOCAL.accountId}:${LOCAL.renditionQueueName}`,
  userPool: `arn:aws:cognito-idp:${LOCAL.region}:${LOCAL.accountId}:userpool/${LOCAL.userPoolId}`,
};

/** The local resources that the synthesized policies' placeholders stand for. */
function localResources(): LocalResources {
  return {
    region: LOCAL.region,
    accountId: LOCAL.accountId,
    arns: {
      "AWS::S3::Bucket": LOCAL_ARNS.bucket,
      "AWS::DynamoDB::Table": LOCAL_ARNS.table,
      "AWS::SNS::Topic": LOCAL_ARNS.topic,
      "AWS::SQS::Queue": LOCAL_ARNS.queue,
      "AWS::Cognito::UserPool": LOCAL_ARNS.userPool,
    },
    functionArns: { renditions: { "AWS::SQS::Queue": LOCAL_ARNS.renditionQueue } },
  };
}

/** A port the OS says is free now (PORT=0): good enough for a local runtime, which then binds it. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
