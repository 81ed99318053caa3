import { Duration } from "aws-cdk-lib";
import { SubscriptionFilter } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue as SqsQueue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Queue, use, type StackContext } from "sst/constructs";
import { RENDITION_SETTINGS } from "@media/core/renditions/rendition-settings";
import { Auth } from "./Auth";
import { type Access, configValues, environmentFor, FUNCTION_DEFAULTS, mediaFunction, statementsFor } from "./lambda";
import { NATIVE_MODULES_CONTEXT, type NativeModulesMode, withNativeModules } from "./native-modules";
import { stageSettings } from "./settings";
import { DERIVED_PREFIX, Storage, UPLOAD_PREFIX } from "./Storage";

/**
 * The renditions function reads a ready file's record and original (HEAD/GET, with ListBucket so that an
 * original deleted meanwhile reads as missing, as for the indexer), writes its renditions under derived/
 * (and removes them again when the file was deleted while they were made), and records them on the file
 * with one conditional UpdateItem, then announces them (`media.renditions`) on the media-events topic. It
 * never writes under users/ and touches no usage item.
 */
export const RENDITIONS_ACCESS: Access = {
  config: true,
  seesMissingKeys: true,
  table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
  objects: { "s3:GetObject": [UPLOAD_PREFIX], "s3:PutObject": [DERIVED_PREFIX], "s3:DeleteObject": [DERIVED_PREFIX] },
  publish: true,
};

/**
 * Installed into the bundle for the Lambda's platform: sharp and heic-decode as for the indexer, and the
 * ffmpeg binary, whose @ffmpeg-installer/ffmpeg picks @ffmpeg-installer/linux-arm64 there.
 */
export const RENDITIONS_NATIVE_MODULES = ["sharp", "heic-decode", "@ffmpeg-installer/ffmpeg"];

if (RENDITION_SETTINGS.queueVisibilitySeconds < RENDITION_SETTINGS.timeoutSeconds) {
  throw new Error("stacks/Renditions.ts: the renditions queue's visibility timeout must be at least the function's timeout");
}

/**
 * Renditions (stream audio, waveforms, display-size images) made apart from indexing, so that a slow
 * encode never holds a file back from `ready`: the media-events topic feeds `media.ready` events (raw, by a
 * filter on the `type` attribute) to a queue of their own with its own dead-letter queue, consumed by a
 * function with more memory, time and disk than the indexer's.
 */
export function Renditions({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const auth = use(Auth);
  const storage = use(Storage);

  const deadLetters = new SqsQueue(stack, "RenditionDeadLetters", {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new Queue(stack, "RenditionRequests", {
    cdk: {
      queue: {
        visibilityTimeout: Duration.seconds(RENDITION_SETTINGS.queueVisibilitySeconds),
        retentionPeriod: Duration.days(4),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: RENDITION_SETTINGS.maxReceiveCount },
      },
    },
  });
  storage.topic.cdk.topic.addSubscription(
    new SqsSubscription(queue.cdk.queue, {
      rawMessageDelivery: true,
      filterPolicy: { type: SubscriptionFilter.stringFilter({ allowlist: ["media.ready"] }) },
    }),
  );

  const renditions = mediaFunction(stack, "Renditions", {
    module: "renditions",
    description: "media-storage renditions: stream audio, waveforms and previews of ready files",
    environment: environmentFor(RENDITIONS_ACCESS, configValues(storage, auth), settings.limits),
    permissions: statementsFor(RENDITIONS_ACCESS, { tableArn: storage.table.tableArn, bucketArn: storage.bucket.bucketArn, topicArn: storage.topic.topicArn }),
    timeoutSeconds: RENDITION_SETTINGS.timeoutSeconds,
    memoryMB: RENDITION_SETTINGS.memoryMB,
    diskSizeMB: RENDITION_SETTINGS.ephemeralStorageMB,
    logRemovalPolicy: settings.dataRemovalPolicy,
    bundle: withNativeModules(FUNCTION_DEFAULTS.nodejs, FUNCTION_DEFAULTS.architecture ?? "x86_64", RENDITIONS_NATIVE_MODULES, nativeModulesMode(app.node.tryGetContext(NATIVE_MODULES_CONTEXT))),
  });
  queue.addConsumer(stack, {
    function: renditions,
    cdk: {
      eventSource: {
        batchSize: RENDITION_SETTINGS.batchSize,
        maxConcurrency: RENDITION_SETTINGS.maxConcurrency,
        reportBatchItemFailures: true,
      },
    },
  });

  stack.addOutputs({
    RenditionQueueUrl: queue.queueUrl,
    RenditionDeadLetterQueueUrl: deadLetters.queueUrl,
  });
  return { renditions, renditionQueue: queue, renditionDeadLetters: deadLetters };
}

function nativeModulesMode(value: unknown): NativeModulesMode {
  if (value === undefined || value === "install") return "install";
  if (value === "plan") return "plan";
  throw new Error(`context ${NATIVE_MODULES_CONTEXT} must be "install" or "plan", not ${JSON.stringify(value)}`);
}

