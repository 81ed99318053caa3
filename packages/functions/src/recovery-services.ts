import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { EventPublisher, MediaRepository, ObjectStorage } from "@media/core/ports";
import type { PurgeDeps } from "@media/core/purge";
import type { ReindexDeps } from "@media/core/reindex";
import type { MediaEvent } from "@media/core/media-event";
import type { RenditionQueue } from "@media/core/renditions/ports";
import { createCognitoUserAdmin } from "./adapters/cognito-user-admin";
import { createDynamoMediaMaintenance, createDynamoMediaRepository, type DynamoMediaMaintenance } from "./adapters/dynamo-media-repository";
import { createDynamoUserSessions } from "./adapters/dynamo-session-cutoffs";
import { createDynamoUserShares } from "./adapters/dynamo-share-repository";
import { createS3ObjectStorage, s3ClientOptions } from "./adapters/s3-object-storage";
import { createSqsRenditionQueue } from "./adapters/sqs-rendition-queue";
import { createMediaInspector } from "./media/inspector";

/**
 * The composition root of the operator's recovery scripts (`npm run reindex`, `npm run purge-user`):
 * the same adapters as the functions, built from resource names that the script read from the stack
 * outputs (AWS) or from the local runtime's layout. Endpoints and credentials are only given for the
 * local runtime's endpoints; on AWS the SDK's usual chain (environment, profile, SSO) applies.
 */
export interface RecoveryResources {
  region: string;
  tableName: string;
  bucketName: string;
  /** Needed by purge-user only. */
  userPoolId?: string;
  /** The renditions queue (stack output RenditionQueueUrl): reindex requests owed renditions there. */
  renditionQueueUrl?: string;
  endpoints?: { s3?: string; dynamodb?: string; cognito?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
  s3ForcePathStyle?: boolean;
}

export interface RecoveryServices {
  storage: ObjectStorage;
  repo: MediaRepository;
  /** The indexing as the indexer runs it, with its real inspector; media events are only recorded (see reindex.ts). */
  reindexDeps(): ReindexDeps & { announced: MediaEvent[] };
  purgeDeps(): PurgeDeps;
  /** The table's maintenance: `npm run migrate` (migrateLegacy) and the sweep of expired uploads. */
  maintenance: DynamoMediaMaintenance;
  close(): void;
}

/** `renditions`: the local runtime's queue, which the local recovery opens itself (it has no SQS endpoint). */
export function buildRecoveryServices(r: RecoveryResources, local: { renditions?: RenditionQueue } = {}): RecoveryServices {
  const common = { region: r.region, ...(r.credentials ? { credentials: r.credentials } : {}) };
  const s3 = new S3Client({ ...s3ClientOptions(r.region, r.s3ForcePathStyle ?? false), ...common, ...(r.endpoints?.s3 ? { endpoint: r.endpoints.s3 } : {}) });
  const dynamoClient = new DynamoDBClient({ ...common, ...(r.endpoints?.dynamodb ? { endpoint: r.endpoints.dynamodb } : {}) });
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
  let cognito: CognitoIdentityProviderClient | undefined;
  const sqs = r.renditionQueueUrl ? new SQSClient(common) : undefined;
  const renditions = local.renditions ?? (sqs && r.renditionQueueUrl ? createSqsRenditionQueue({ client: sqs, queueUrl: r.renditionQueueUrl }) : undefined);

  const storage = createS3ObjectStorage({ client: s3, bucket: r.bucketName });
  const clock = { now: () => Date.now() };
  const repo = createDynamoMediaRepository({ client: dynamo, tableName: r.tableName, clock });
  const maintenance = createDynamoMediaMaintenance({ client: dynamo, tableName: r.tableName });

  return {
    storage,
    repo,
    maintenance,
    reindexDeps() {
      const announced: MediaEvent[] = [];
      const events: EventPublisher = { publish: async (event) => void announced.push(event) };
      return { repo, storage, clock, events, inspector: createMediaInspector(), usage: maintenance, announced, ...(renditions ? { renditions } : {}) };
    },
    purgeDeps() {
      if (!r.userPoolId) throw new Error("purging a user needs the user pool id");
      // Local endpoints come as a set: a missing one would silently send this client to AWS.
      if (r.endpoints && !r.endpoints.cognito) throw new Error("local endpoints were given without a Cognito endpoint");
      cognito ??= new CognitoIdentityProviderClient({ ...common, ...(r.endpoints?.cognito ? { endpoint: r.endpoints.cognito } : {}) });
      return {
        storage,
        records: maintenance,
        shares: createDynamoUserShares({ client: dynamo, tableName: r.tableName }),
        accounts: createCognitoUserAdmin({ client: cognito, userPoolId: r.userPoolId }),
        sessions: createDynamoUserSessions({ client: dynamo, tableName: r.tableName }),
        clock,
      };
    },
    close() {
      s3.destroy();
      dynamoClient.destroy();
      cognito?.destroy();
      sqs?.destroy();
    },
  };
}
