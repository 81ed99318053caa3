import { Duration } from "aws-cdk-lib";
import { use, type StackContext } from "sst/constructs";
import { Auth } from "./Auth";
import { type Access, environmentFor, mediaFunction, statementsFor } from "./lambda";
import { stageSettings } from "./settings";
import { INDEXER_BATCH_WINDOW_SECONDS, INDEXER_TIMEOUT_SECONDS, Storage, UPLOAD_PREFIX } from "./Storage";

export const INDEXER_BATCH_SIZE = 10;

/**
 * The indexer reads an upload's head (HeadObject is authorized by s3:GetObject), deletes what it
 * rejects, moves the record from pending to ready or rejected and settles the usage item (reads and
 * conditional updates), and announces the outcome on SNS. Reading the queue is granted by the event
 * source itself, on this queue only. It writes no derived files yet: thumbnails would add
 * `"s3:PutObject": [DERIVED_PREFIX]` here.
 */
export const INDEXER_ACCESS: Access = {
  config: true,
  table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
  objects: { "s3:GetObject": [UPLOAD_PREFIX], "s3:DeleteObject": [UPLOAD_PREFIX] },
  publish: true,
};

export function Indexer({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const auth = use(Auth);
  const storage = use(Storage);

  const indexer = mediaFunction(stack, "Indexer", {
    module: "indexer",
    description: "media-storage indexer: S3 ObjectCreated events from SQS",
    environment: environmentFor(
      INDEXER_ACCESS,
      {
        tableName: storage.table.tableName,
        bucketName: storage.bucket.bucketName,
        topicArn: storage.topic.topicArn,
        userPoolId: auth.userPoolId,
        userPoolClientId: auth.userPoolClientId,
        cursorSecret: storage.cursorSecretReference,
      },
      settings.limits,
    ),
    permissions: statementsFor(INDEXER_ACCESS, {
      tableArn: storage.table.tableArn,
      bucketArn: storage.bucket.bucketArn,
      topicArn: storage.topic.topicArn,
    }),
    timeoutSeconds: INDEXER_TIMEOUT_SECONDS,
    memoryMB: 1024,
    logRemovalPolicy: settings.dataRemovalPolicy,
  });

  storage.queue.addConsumer(stack, {
    function: indexer,
    cdk: {
      eventSource: {
        batchSize: INDEXER_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(INDEXER_BATCH_WINDOW_SECONDS),
        // The handler answers with the failed message ids only; the others are deleted, not retried.
        reportBatchItemFailures: true,
      },
    },
  });

  return { indexer };
}
