import { Duration } from "aws-cdk-lib";
import { BlockPublicAccess, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue as SqsQueue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Bucket, Queue, Table, Topic, use, type StackContext } from "sst/constructs";
import { INDEXER_SETTINGS } from "@media/core/indexer-settings";
import { ABORT_INCOMPLETE_MULTIPART_DAYS } from "@media/core/multipart";
import { TABLE } from "@media/core/table";
import { stageSettings } from "./settings";
import { WebHosting } from "./Web";

/** Originals live under this prefix, and only objects created there notify the indexer. */
export const UPLOAD_PREFIX = "users/";
/** Derived files (thumbnails): outside UPLOAD_PREFIX, so the indexer writing them cannot trigger itself. */
export const DERIVED_PREFIX = "derived/";

/** The indexer's Lambda timeout and batching window, which the queue's visibility timeout is derived from. */
export const INDEXER_TIMEOUT_SECONDS = INDEXER_SETTINGS.timeoutSeconds;
export const INDEXER_BATCH_WINDOW_SECONDS = INDEXER_SETTINGS.batchWindowSeconds;
/**
 * AWS's rule for SQS event sources: visibility timeout at least six times the function timeout (plus the
 * batching window), so that a batch retried by Lambda's poller is not handed out again meanwhile.
 */
export const QUEUE_VISIBILITY_SECONDS = 6 * INDEXER_TIMEOUT_SECONDS + INDEXER_BATCH_WINDOW_SECONDS;
/** An indexing message that failed this many times goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/** The bucket, its event queue (+ DLQ), the one table, the media-event topic and the cursor-signing key. */
export function Storage({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
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

  const bucket = new Bucket(stack, "Media", {
    blockPublicACLs: true,
    // Exactly what the web app needs: a multipart POST of the presigned form, PUTs of presigned parts and
    // files, and GET/HEAD of presigned URLs (range requests for audio seeking). ETag must be exposed or
    // browser uploaders hang at 100% (and a multipart upload cannot be completed without each part's).
    cors: [
      {
        allowedOrigins: web.origins,
        allowedMethods: ["POST", "PUT", "GET", "HEAD"],
        allowedHeaders: ["content-type", "content-md5", "content-disposition", "cache-control", "range", "x-requested-with", "x-amz-*"],
        exposedHeaders: ["ETag", "Content-Length", "Content-Range", "Content-Type", "Accept-Ranges", "Location", "x-amz-request-id"],
        maxAge: "1 hour",
      },
    ],
    notifications: {
      indexer: {
        type: "queue",
        queue,
        events: ["object_created"],
        filters: [{ prefix: UPLOAD_PREFIX }],
      },
    },
    cdk: {
      bucket: {
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        // Later than any multipart reservation ends (core/multipart.ts); the sweep aborts released ones sooner.
        lifecycleRules: [{ id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_MULTIPART_DAYS) }],
        removalPolicy: settings.dataRemovalPolicy,
      },
    },
  });

  const table = new Table(stack, "Files", {
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
  });

  const topic = new Topic(stack, "MediaEvents", {
    cdk: { topic: { enforceSSL: true } },
  });

  // The key that signs pagination cursors: generated by Secrets Manager at deploy time and handed to the
  // functions as a CloudFormation dynamic reference, so its value is in no source file, template or state.
  const cursorSecret = new Secret(stack, "CursorSecret", {
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
