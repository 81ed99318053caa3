import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import type { AccountDeletionDeps } from "@media/core/account-deletion";
import type { ExportDeps } from "@media/core/account-export";
import type { SecurityDeps } from "@media/core/account-security";
import type { Accounts } from "@media/core/accounts";
import type { CodeLimitDeps } from "@media/core/code-limits";
import type { IndexDeps } from "@media/core/indexing";
import type { LibraryDeps } from "@media/core/library";
import type { Clock } from "@media/core/ports";
import type { SessionDeps } from "@media/core/sessions";
import type { SharingDeps } from "@media/core/sharing";
import type { UploadDeps } from "@media/core/upload";
import { createCognitoAccountSecurity } from "./adapters/cognito-account-security";
import { createCognitoAccounts } from "./adapters/cognito-accounts";
import { createDynamoMediaMaintenance, createDynamoMediaRepository, type DynamoMediaMaintenance } from "./adapters/dynamo-media-repository";
import { createDynamoRateLimiter } from "./adapters/dynamo-rate-limiter";
import { createDynamoSessionCutoffs, createDynamoUserSessions } from "./adapters/dynamo-session-cutoffs";
import { createDynamoShareRepository, createDynamoUserShares } from "./adapters/dynamo-share-repository";
import { createSnsAccountEvents } from "./adapters/sns-account-events";
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
  /** Logout and password reset, which end every session of the user. */
  sessions: SessionDeps;
  /** The limits on sending and checking emailed codes, per account and per client. */
  codeLimits: CodeLimitDeps;
  /** The sweep of expired uploads (sweep.ts). */
  maintenance: DynamoMediaMaintenance;
  /** The signed-in user's own account: password, sessions, MFA (account-security.ts). */
  security: SecurityDeps;
  /** DELETE /me (account-deletion.ts). */
  deletion: AccountDeletionDeps;
  /** GET /me/export (account-export.ts). */
  exports: ExportDeps;
}

const systemClock: Clock = { now: () => Date.now() };
let clock: Clock = systemClock;

/**
 * The clock the services are built with, for tests that move time (a share link's expiry) instead of
 * waiting for it; called before the first handler runs. Lambda and the local runtime keep the system's.
 */
export function useClock(next: Clock): void {
  clock = next;
}

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
  const accounts = createCognitoAccounts({ client: cognito, clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId });
  const cutoffs = createDynamoSessionCutoffs({ client: dynamo, tableName: cfg.tableName });
  const codeLimits = { limiter: createDynamoRateLimiter({ client: dynamo, tableName: cfg.tableName }), clock, limits: cfg.codeLimits };
  const maintenance = createDynamoMediaMaintenance({ client: dynamo, writer: dynamoWriter, tableName: cfg.tableName });
  const security = createCognitoAccountSecurity({ client: cognito, clientId: cfg.userPoolClientId });
  return {
    config: cfg,
    accounts,
    upload: { repo, storage, clock, limits: cfg.limits },
    library: { repo, storage, events, clock, limits: cfg.limits, cursorSecret: cfg.cursorSecret, shares },
    indexing: { repo, storage, events, clock },
    sharing: { repo, shares, storage, clock, limits: cfg.limits },
    sessions: { accounts, cutoffs, clock },
    codeLimits,
    maintenance,
    security: { accounts, cutoffs, clock, security, codeLimits, secret: cfg.cursorSecret },
    deletion: {
      signIn: (email, password) => accounts.signIn(email, password),
      security,
      cutoffs,
      codeLimits,
      clock,
      purge: {
        storage,
        shares: createDynamoUserShares({ client: dynamo, tableName: cfg.tableName }),
        records: maintenance,
        sessions: createDynamoUserSessions({ client: dynamo, tableName: cfg.tableName }),
        clock,
      },
      events: createSnsAccountEvents({ client: sns, topicArn: cfg.topicArn }),
    },
    exports: { repo, storage, clock },
  };
}

let cached: Services | undefined;

export function services(): Services {
  cached ??= buildServices(config());
  return cached;
}
