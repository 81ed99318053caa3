import { Duration, type Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from "aws-cdk-lib/custom-resources";
import { Table as DynamoTable } from "aws-cdk-lib/aws-dynamodb";
import { BlockPublicAccess, Bucket as CdkBucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue as SqsQueue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Bucket, Queue, Table, Topic, use, type BucketProps, type StackContext } from "sst/constructs";
import { INDEXER_SETTINGS } from "@media/core/indexer-settings";
import { ABORT_INCOMPLETE_MULTIPART_DAYS } from "@media/core/multipart";
import { TABLE } from "@media/core/table";
import { stageSettings } from "./settings";
import { ACCESS_LOG_PREFIX, WebHosting } from "./Web";

/** Originals live under this prefix, and only objects created there notify the indexer. */
export const UPLOAD_PREFIX = "users/";
/** Derived files (thumbnails): outside UPLOAD_PREFIX, so the indexer writing them cannot trigger itself. */
export const DERIVED_PREFIX = "derived/";

/** The indexer's Lambda timeout and batching window, which the queue's visibility timeout is derived from. */
export const INDEXER_TIMEOUT_SECONDS = INDEXER_SETTINGS.timeoutSeconds;
export const INDEXER_BATCH_WINDOW_SECONDS = INDEXER_SETTINGS.batchWindowSeconds;
/** The index queue's visibility timeout and redrive count (core/indexer-settings.ts says why; the local runtime reads the same). */
export const QUEUE_VISIBILITY_SECONDS = INDEXER_SETTINGS.queueVisibilitySeconds;
export const MAX_RECEIVE_COUNT = INDEXER_SETTINGS.maxReceiveCount;

/**
 * Exactly what the web app needs of the media bucket: a multipart POST of the presigned form, PUTs of
 * presigned parts and files, and GET/HEAD of presigned URLs (range requests for audio seeking). ETag must be
 * exposed or browser uploaders hang at 100% (and a multipart upload cannot be completed without each part's).
 */
export const MEDIA_CORS = {
  allowedMethods: ["POST", "PUT", "GET", "HEAD"],
  allowedHeaders: ["content-type", "content-md5", "content-disposition", "cache-control", "range", "x-requested-with", "x-amz-*"],
  exposedHeaders: ["ETag", "Content-Length", "Content-Range", "Content-Type", "Accept-Ranges", "Location", "x-amz-request-id"],
  maxAgeSeconds: 3600,
} satisfies { allowedMethods: HttpMethod[]; allowedHeaders: string[]; exposedHeaders: string[]; maxAgeSeconds: number };
type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "DELETE";

/**
 * A re-attached bucket is not CloudFormation's to configure, but the app cannot work without its CORS
 * rules (and they change with the app): a custom resource sets them with S3's own API on every deploy.
 */
function applyCors(stack: Stack, bucketArn: string, bucketName: string, origins: string[]): void {
  const corsRules = [
    {
      AllowedOrigins: origins,
      AllowedMethods: MEDIA_CORS.allowedMethods,
      AllowedHeaders: MEDIA_CORS.allowedHeaders,
      ExposeHeaders: MEDIA_CORS.exposedHeaders,
      MaxAgeSeconds: MEDIA_CORS.maxAgeSeconds,
    },
  ];
  const call = {
    service: "S3",
    action: "putBucketCors",
    parameters: { Bucket: bucketName, CORSConfiguration: { CORSRules: corsRules } },
    physicalResourceId: PhysicalResourceId.of(`${bucketName}-cors`),
  };
  new AwsCustomResource(stack, "KeptMediaCors", {
    onCreate: call,
    onUpdate: call,
    policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ["s3:PutBucketCORS"], resources: [bucketArn] })]),
    installLatestAwsSdk: false,
  });
}

/** The bucket, its event queue (+ DLQ), the one table, the media-event topic and the cursor-signing key. */
export function Storage({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const kept = settings.kept;
  const web = use(WebHosting);

  const deadLetters = new SqsQueue(stack, "IndexerDeadLetters", {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });

  const queue = new Queue(stack, "UploadEvents", {
    cdk: {
      queue: {
        visibilityTimeout: Duration.seconds(QUEUE_VISIBILITY_SECONDS),
        // S3 event messages can reach 64 KB; take SQS's maximum rather than find the edge in production.
        maxMessageSizeBytes: 256 * 1024,
        retentionPeriod: Duration.days(4),
        // SSE-SQS, not SSE-KMS with the AWS managed key: S3 can only deliver to the latter with a customer key policy.
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
      },
    },
  });

  // Only originals (under UPLOAD_PREFIX) feed the indexer.
  const notifications: BucketProps["notifications"] = {
    indexer: { type: "queue", queue, events: ["object_created"], filters: [{ prefix: UPLOAD_PREFIX }] },
  };
  const bucket = new Bucket(
    stack,
    "Media",
    kept.bucketName
      ? // The retained bucket of a removed prod stage (kept-resources.ts): its settings stay as they were.
        { notifications, cdk: { bucket: CdkBucket.fromBucketName(stack, "KeptMedia", kept.bucketName) } }
      : {
          blockPublicACLs: true,
          cors: [
            {
              allowedOrigins: web.origins,
              allowedMethods: MEDIA_CORS.allowedMethods,
              allowedHeaders: MEDIA_CORS.allowedHeaders,
              exposedHeaders: MEDIA_CORS.exposedHeaders,
              maxAge: `${MEDIA_CORS.maxAgeSeconds} seconds`,
            },
          ],
          notifications,
          cdk: {
            bucket: {
              blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
              objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
              encryption: BucketEncryption.S3_MANAGED,
              enforceSSL: true,
              minimumTLSVersion: 1.2,
              // Later than any multipart reservation ends (core/multipart.ts); the sweep aborts released ones sooner.
              lifecycleRules: [{ id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_MULTIPART_DAYS) }],
              ...(web.accessLogs ? { serverAccessLogsBucket: web.accessLogs, serverAccessLogsPrefix: ACCESS_LOG_PREFIX.media } : {}),
              removalPolicy: settings.dataRemovalPolicy,
            },
          },
        },
  );

  if (kept.bucketName) applyCors(stack, bucket.bucketArn, kept.bucketName, web.origins);

  const table = new Table(
    stack,
    "Files",
    kept.tableName
      ? // The retained table of a removed prod stage: it has the index already, and keeps its settings.
        { cdk: { table: DynamoTable.fromTableAttributes(stack, "KeptFiles", { tableName: kept.tableName, globalIndexes: [TABLE.byKindIndex.name] }) } }
      : {
          fields: {
            [TABLE.partitionKey]: "string",
            [TABLE.sortKey]: "string",
            [TABLE.byKindIndex.partitionKey]: "string",
            [TABLE.byKindIndex.sortKey]: "string",
          },
          primaryIndex: { partitionKey: TABLE.partitionKey, sortKey: TABLE.sortKey },
          globalIndexes: {
            [TABLE.byKindIndex.name]: { partitionKey: TABLE.byKindIndex.partitionKey, sortKey: TABLE.byKindIndex.sortKey },
          },
          timeToLiveAttribute: TABLE.timeToLiveAttribute,
          cdk: {
            table: {
              // SST defaults the deprecated `pointInTimeRecovery` flag, which CDK refuses next to the specification.
              pointInTimeRecovery: undefined,
              pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
              deletionProtection: settings.isProd,
              removalPolicy: settings.dataRemovalPolicy,
            },
          },
        },
  );

  const topic = new Topic(stack, "MediaEvents", {
    cdk: { topic: { enforceSSL: true } },
  });

  // The key that signs pagination cursors: generated by Secrets Manager at deploy time and handed to the
  // functions as a CloudFormation dynamic reference, so its value is in no source file, template or state.
  const cursorSecret = kept.cursorSecretArn
    ? Secret.fromSecretCompleteArn(stack, "KeptCursorSecret", kept.cursorSecretArn)
    : new Secret(stack, "CursorSecret", {
        description: "HMAC key for the media API's pagination cursors",
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
        removalPolicy: settings.dataRemovalPolicy,
      });

  stack.addOutputs({
    BucketName: bucket.bucketName,
    TableName: table.tableName,
    TopicArn: topic.topicArn,
    QueueUrl: queue.queueUrl,
    DeadLetterQueueUrl: deadLetters.queueUrl,
    // For KEPT_CURSOR_SECRET_ARN, should the stage be removed and deployed again (kept-resources.ts).
    CursorSecretArn: cursorSecret.secretArn,
  });

  return {
    bucket,
    queue,
    deadLetters,
    table,
    topic,
    /** `{{resolve:secretsmanager:…}}`: resolved by CloudFormation when it deploys the function configuration. */
    cursorSecretReference: cursorSecret.secretValue.unsafeUnwrap(),
  };
}
