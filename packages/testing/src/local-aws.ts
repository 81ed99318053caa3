import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { functionEnvironment } from "@media/core/function-env";
import type { MediaEvent } from "@media/core/media-event";
import { ORIGINALS_PREFIX } from "@media/core/keys";
import { startLocalCognito } from "@media/local/cognito/cognito-server";
import { startDynamoFront } from "@media/local/dynamo/dynamo-front";
import { LocalIam, type FunctionPolicies } from "@media/local/iam/local-iam";
import { credentialSource, invokeAs } from "@media/local/iam/invocations";
import { useCredentialSource } from "@media/functions/credentials";
import { LOCAL_NOTICE_FROM, LOCAL_NOTICE_IDENTITY } from "@media/local/mail/local-sender";
import { startLocalSes } from "@media/local/mail/ses-server";
import { startLocalSns } from "@media/local/sns/sns-server";
import { LocalTopic } from "@media/local/sns/topic";
import { startLocalS3 } from "@media/local/storage/s3-server";
import type { S3EventRecord } from "@media/local/storage/s3-events";
import { startDynalite } from "./local-dynamo";

/**
 * Every AWS service the handlers use, on 127.0.0.1, with the functions configured through the same
 * environment variables as on AWS. Handlers are imported after this has run (their config is read on
 * first use). One per test file: vitest runs each file in its own process.
 *
 * IAM is enforced as in the local runtime: a handler called inside `invokeAs("api/upload", …)`
 * (@media/local/iam/invocations) signs with that function's key and may do what its role in the
 * synthesized stacks allows (function-policies.json, or `policies` to take a grant away). Calls made
 * outside an invocation (a test's own set-up through the adapters) and the `s3` client below sign with
 * the admin key, TEST_ENV.credentials.
 */
export const TEST_ENV = {
  region: "us-east-1",
  bucket: "media-test-bucket",
  userPoolId: "us-east-1_Handlers1",
  clientId: "handlertestclient000000000",
  accountId: "000000000000",
  topicArn: "arn:aws:sns:us-east-1:000000000000:media-events",
  credentials: { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local-test-secret-key" },
  /** The sender of the service's notices, the local SES's one verified identity. */
  // The sender the synthesized policies grant ses:SendEmail on (the local stage's): the local SES checks the grant.
  noticeFrom: LOCAL_NOTICE_FROM,
};

export interface LocalAws {
  events: MediaEvent[];
  s3Events: S3EventRecord[];
  /** The user pool's code emails and, through the local SES, the service's notices. */
  outbox: { messages(to?: string): Array<{ code?: string; subject: string; text?: string }> };
  s3: S3Client;
  stop(): Promise<void>;
}

export async function startLocalAws(
  limits: { maxFileBytes?: number; quotaBytes?: number } = {},
  options: { policies?: FunctionPolicies; /** The user pool's time (epoch ms), for tests that move it. */ clock?: () => number } = {},
): Promise<LocalAws> {
  const dir = await mkdtemp(join(tmpdir(), "handlers-"));
  const dynamoTable = "media-handlers";
  const iam = new LocalIam({
    admin: TEST_ENV.credentials,
    resources: {
      region: TEST_ENV.region,
      accountId: TEST_ENV.accountId,
      arns: {
        "AWS::S3::Bucket": `arn:aws:s3:::${TEST_ENV.bucket}`,
        "AWS::DynamoDB::Table": `arn:aws:dynamodb:${TEST_ENV.region}:${TEST_ENV.accountId}:table/${dynamoTable}`,
        "AWS::SNS::Topic": TEST_ENV.topicArn,
        "AWS::SQS::Queue": `arn:aws:sqs:${TEST_ENV.region}:${TEST_ENV.accountId}:media-index`,
        "AWS::Cognito::UserPool": `arn:aws:cognito-idp:${TEST_ENV.region}:${TEST_ENV.accountId}:userpool/${TEST_ENV.userPoolId}`,
      },
    },
    ...(options.policies ? { policies: options.policies } : {}),
  });
  useCredentialSource(credentialSource(iam, TEST_ENV.credentials));
  const events: MediaEvent[] = [];
  const s3Events: S3EventRecord[] = [];
  const topic = new LocalTopic(TEST_ENV.topicArn);
  topic.subscribe((n) => {
    events.push(JSON.parse(n.Message) as MediaEvent);
  });
  const sns = await startLocalSns({ topics: [topic], iam });
  const dynamo = await startDynalite({ tableName: dynamoTable });
  const dynamoFront = await startDynamoFront({ target: dynamo.endpoint, iam, region: TEST_ENV.region, accountId: TEST_ENV.accountId });
  const cognito = await startLocalCognito({
    iam,
    dataDir: join(dir, "cognito"),
    region: TEST_ENV.region,
    userPoolId: TEST_ENV.userPoolId,
    clientId: TEST_ENV.clientId,
    preferredUsernameSignIn: false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const ses = await startLocalSes({ iam, identities: [LOCAL_NOTICE_IDENTITY], deliver: async (m) => void (await cognito.deliver(m)) });
  const storage = await startLocalS3({
    dataDir: join(dir, "s3"),
    region: TEST_ENV.region,
    credentials: TEST_ENV.credentials,
    iam,
    buckets: [{ name: TEST_ENV.bucket, notifications: [{ prefix: ORIGINALS_PREFIX, events: ["s3:ObjectCreated:*"] }] }],
    onEvent: (record) => {
      s3Events.push(record);
    },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
  });
  Object.assign(process.env, {
    AWS_REGION: TEST_ENV.region,
    AWS_ACCESS_KEY_ID: TEST_ENV.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_ENV.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: storage.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoFront.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    ...functionEnvironment({
      tableName: dynamo.tableName,
      bucketName: TEST_ENV.bucket,
      topicArn: TEST_ENV.topicArn,
      userPoolId: TEST_ENV.userPoolId,
      userPoolClientId: TEST_ENV.clientId,
      cursorSecret: "handler-test-cursor-secret",
      maxFileBytes: String(limits.maxFileBytes ?? 1_000_000),
      quotaBytes: String(limits.quotaBytes ?? 3_000_000),
      s3ForcePathStyle: "true",
      jwks: JSON.stringify(cognito.jwks),
      noticeFrom: TEST_ENV.noticeFrom,
    }),
  });
  const s3 = new S3Client({ region: TEST_ENV.region, endpoint: storage.endpoint, forcePathStyle: true, credentials: TEST_ENV.credentials });
  return {
    events,
    s3Events,
    outbox: cognito.outbox,
    s3,
    async stop() {
      s3.destroy();
      await storage.close();
      await ses.close();
      await cognito.close();
      await dynamoFront.close();
      await dynamo.stop();
      await sns.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A handler that runs as an invocation of `functionName`: its AWS calls sign with that function's key. */
export function asFunction<F extends (...args: any[]) => any>(functionName: string, handler: F): F {
  return ((...args: Parameters<F>) => invokeAs(functionName, () => handler(...args))) as F;
}
