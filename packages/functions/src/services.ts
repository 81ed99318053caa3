import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Accounts } from "@media/core/accounts";
import type { IndexDeps } from "@media/core/indexing";
import type { LibraryDeps } from "@media/core/library";
import type { Clock } from "@media/core/ports";
import type { SharingDeps } from "@media/core/sharing";
import type { UploadDeps } from "@media/core/upload";
import { createCognitoAccounts } from "./adapters/cognito-accounts";
import { createDynamoMediaRepository } from "./adapters/dynamo-media-repository";
import { createDynamoShareRepository } from "./adapters/dynamo-share-repository";
import { createS3ObjectStorage, s3ClientOptions } from "./adapters/s3-object-storage";
import { createSnsEventPublisher } from "./adapters/sns-event-publisher";
import { config, type FunctionsConfig } from "./config";
import { clientCredentials } from "./credentials";
import { traced } from "./tracing";

/**
 * The composition root of the functions: adapters built once per cold start from the parsed config.
 * Endpoints are the SDK's business: on AWS the defaults, locally the standard `AWS_ENDPOINT_URL_<SERVICE>`
 * variables that the local runtime sets, so no code here knows where it runs; so are credentials
 * (credentials.ts: the default chain on AWS, the invoked function's own key locally). Every client is traced when
 * the stage turns X-Ray on (tracing.ts).
 */
export interface Services {
  config: FunctionsConfig;
  accounts: Accounts;
  upload: UploadDeps;
  library: LibraryDeps;
  /** All the indexer needs but its media inspector, which only the indexer loads (see indexer-services.ts). */
  indexing: Omit<IndexDeps, "inspector">;
  sharing: SharingDeps;
}

const systemClock: Clock = { now: () => Date.now() };

export function buildServices(cfg: FunctionsConfig): Services {
  const credentials = clientCredentials();
  const dynamo = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ region: cfg.region, ...credentials })), {
    marshallOptions: { removeUndefinedValues: true },
  });
  // The writes of every presign: a plain client may cache its resolved middleware, the document client may not.
  const dynamoWriter = traced(new DynamoDBClient({ region: cfg.region, cacheMiddleware: true, ...credentials }));
  const s3 = traced(new S3Client({ ...s3ClientOptions(cfg.region, cfg.s3ForcePathStyle), ...credentials }));
  const sns = traced(new SNSClient({ region: cfg.region, ...credentials }));
  const cognito = traced(new CognitoIdentityProviderClient({ region: cfg.region, ...credentials }));

  const repo = createDynamoMediaRepository({ client: dynamo, writer: dynamoWriter, tableName: cfg.tableName });
  const storage = createS3ObjectStorage({ client: s3, bucket: cfg.bucketName });
  const shares = createDynamoShareRepository({ client: dynamo, tableName: cfg.tableName });
  const events = createSnsEventPublisher({ client: sns, topicArn: cfg.topicArn });
  const clock = systemClock;
  return {
    config: cfg,
    accounts: createCognitoAccounts({ client: cognito, clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId }),
    upload: { repo, storage, clock, limits: cfg.limits },
    library: { repo, storage, events, clock, limits: cfg.limits, cursorSecret: cfg.cursorSecret, shares },
    indexing: { repo, storage, events, clock },
    sharing: { repo, shares, storage, clock, limits: cfg.limits },
  };
}

let cached: Services | undefined;

export function services(): Services {
  cached ??= buildServices(config());
  return cached;
}
