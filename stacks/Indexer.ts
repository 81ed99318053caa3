import { Duration } from "aws-cdk-lib";
import { Cron, use, type StackContext } from "sst/constructs";
import { SWEEP_MINUTES } from "@media/core/file-lifecycle";
import { INDEXER_SETTINGS } from "@media/core/indexer-settings";
import { Auth } from "./Auth";
import { type Access, configValues, environmentFor, FUNCTION_DEFAULTS, mediaFunction, statementsFor } from "./lambda";
import { NATIVE_MODULES_CONTEXT, nativeModulesMode, withNativeModules } from "./native-modules";
import { stageSettings } from "./settings";
import { DERIVED_PREFIX, INDEXER_BATCH_WINDOW_SECONDS, INDEXER_TIMEOUT_SECONDS, Storage, UPLOAD_PREFIX } from "./Storage";

export const INDEXER_BATCH_SIZE = INDEXER_SETTINGS.batchSize;

/**
 * The indexer reads an upload (HeadObject and ranged GETs are authorized by s3:GetObject), deletes what
 * it rejects, writes thumbnails under derived/ (and deletes one whose record went away meanwhile), moves
 * the record from pending to ready or rejected with the usage item and deletes its pending marker (one
 * transaction: reads, conditional updates, a delete), and announces the outcome on SNS. Reading the queue is granted by the event source itself,
 * on this queue only. It never writes under users/, the prefix that notifies the queue.
 *
 * It lists nothing, but holds s3:ListBucket so that a file deleted while its event is handled reads as
 * missing (404) rather than forbidden (403), which S3 answers to a reader without it: the indexer then
 * ends that event as "gone" instead of failing it until it lands in the dead-letter queue. Listing
 * reveals no more than s3:GetObject on users/ already does.
 */
export const INDEXER_ACCESS: Access = {
  config: true,
  seesMissingKeys: true,
  // DeleteItem: the pending marker, in the transition's transaction. A usage item is only ever updated
  // (an update creates a missing one), so no PutItem.
  table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
  objects: { "s3:GetObject": [UPLOAD_PREFIX], "s3:PutObject": [DERIVED_PREFIX], "s3:DeleteObject": [UPLOAD_PREFIX, DERIVED_PREFIX] },
  publish: true,
};

/**
 * The sweep finds expired pending markers with a Scan (it runs on a schedule, not per request) and
 * releases each in a transaction that deletes the record and its marker and gives the usage back.
 */
export const SWEEP_ACCESS: Access = {
  config: true,
  // GetItem, ListBucketMultipartUploads and AbortMultipartUpload: unfinished multipart uploads that no live
  // pending record names are aborted (core/multipart-upload.ts abortOrphanedUploads).
  table: ["dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:GetItem"],
  listUploads: true,
  objects: { "s3:AbortMultipartUpload": [UPLOAD_PREFIX] },
};

/**
 * The modules installed beside the indexer's bundle rather than bundled: sharp, with libvips, as prebuilt
 * for the Lambda's platform; and heic-decode (libheif as WebAssembly, no native code), whose 2 MB module
 * the indexer loads by name only when a HEIC arrives, so it costs other files nothing at cold start.
 */
export const INDEXER_NATIVE_MODULES = ["sharp", "heic-decode"];
/**
 * Memory: the originals of the images indexed at once (100 MiB each at most, four at a time) plus the
 * decoding budget they share (DECODE_MEMORY_BYTES, 512 MiB, packages/functions/src/media/decode-budget.ts).
 */
export const INDEXER_MEMORY_MB = 1536;

export function Indexer({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const auth = use(Auth);
  const storage = use(Storage);

  const indexer = mediaFunction(stack, "Indexer", {
    module: "indexer",
    description: "media-storage indexer: S3 ObjectCreated events from SQS",
    environment: environmentFor(
      INDEXER_ACCESS,
      configValues(storage, auth),
      settings.limits,
    ),
    permissions: statementsFor(INDEXER_ACCESS, {
      tableArn: storage.table.tableArn,
      bucketArn: storage.bucket.bucketArn,
      topicArn: storage.topic.topicArn,
    }),
    timeoutSeconds: INDEXER_TIMEOUT_SECONDS,
    memoryMB: INDEXER_MEMORY_MB,
    logRemovalPolicy: settings.dataRemovalPolicy,
    // sharp goes into the bundle's node_modules, installed for the function's architecture (arm64), not
    // for the machine running the deploy; see native-modules.ts for why not SST's own `install`.
    bundle: withNativeModules(FUNCTION_DEFAULTS.nodejs, FUNCTION_DEFAULTS.architecture ?? "x86_64", INDEXER_NATIVE_MODULES, nativeModulesMode(app.mode, app.node.tryGetContext(NATIVE_MODULES_CONTEXT))),
  });

  storage.queue.addConsumer(stack, {
    function: indexer,
    cdk: {
      eventSource: {
        batchSize: INDEXER_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(INDEXER_BATCH_WINDOW_SECONDS),
        maxConcurrency: INDEXER_SETTINGS.maxConcurrency,
        // The handler answers with the failed message ids only; the others are deleted, not retried.
        reportBatchItemFailures: true,
      },
    },
  });

  // The sweep of expired uploads (packages/functions/src/sweep.ts): not needed for correctness (a presign
  // that would not fit releases its user's expired uploads itself), it keeps GET /me's reserved bytes exact.
  const sweep = mediaFunction(stack, "Sweep", {
    module: "sweep",
    description: "media-storage sweep: releases the reservations of expired uploads",
    environment: environmentFor(SWEEP_ACCESS, configValues(storage, auth), settings.limits),
    permissions: statementsFor(SWEEP_ACCESS, { tableArn: storage.table.tableArn, bucketArn: storage.bucket.bucketArn, topicArn: storage.topic.topicArn }),
    timeoutSeconds: 300,
    memoryMB: 512,
    logRemovalPolicy: settings.dataRemovalPolicy,
  });
  new Cron(stack, "SweepSchedule", { schedule: `rate(${SWEEP_MINUTES} minutes)`, job: sweep });

  return { indexer, sweep };
}
