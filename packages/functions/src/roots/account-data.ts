import type { AccountDeletionDeps } from "@media/core/account-deletion";
import type { Accounts } from "@media/core/accounts";
import { createCognitoAccountSecurity } from "../adapters/cognito-account-security";
import { createCognitoAccounts } from "../adapters/cognito-accounts";
import { createDynamoMediaMaintenance } from "../adapters/dynamo-media-repository";
import { createDynamoRateLimiter } from "../adapters/dynamo-rate-limiter";
import { createDynamoSessionCutoffs, createDynamoUserSessions } from "../adapters/dynamo-session-cutoffs";
import { createDynamoUserShares } from "../adapters/dynamo-share-repository";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { cognitoClient } from "./clients/cognito";
import { documentClients } from "./clients/dynamo-documents";
import { topicOnFirstUse } from "./media-events";
import { objectStorageOnFirstUse } from "./storage-on-first-use";

/**
 * The composition root of `DELETE /me`: every file, record, share link and session, then the account.
 * The only route that needs the user pool and every media adapter (DynamoDB, S3, SNS for the account
 * event) at once. S3 and SNS are reached only once the person has proved who they are, so both load
 * then (storage-on-first-use.ts, media-events.ts), not at cold start. `GET /me/export` reads the same
 * records without SNS (account-export.ts).
 */
export interface AccountDataServices {
  accounts: Accounts;
  deletion: AccountDeletionDeps;
}

export function buildAccountDataServices(cfg: FunctionsConfig): AccountDataServices {
  const documents = documentClients(cfg.region);
  const cognito = cognitoClient(cfg.region);
  const accounts = createCognitoAccounts({ client: cognito, clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId });
  const now = clock();
  return {
    accounts,
    deletion: {
      signIn: (email, password) => accounts.signIn(email, password),
      security: createCognitoAccountSecurity({ client: cognito, clientId: cfg.userPoolClientId }),
      cutoffs: createDynamoSessionCutoffs({ client: documents.writer, tableName: cfg.tableName }),
      codeLimits: { limiter: createDynamoRateLimiter({ client: documents.writer, tableName: cfg.tableName }), clock: now, limits: cfg.codeLimits },
      clock: now,
      purge: {
        storage: objectStorageOnFirstUse(cfg).storage,
        shares: createDynamoUserShares({ client: documents.documents, tableName: cfg.tableName }),
        records: createDynamoMediaMaintenance({ client: documents.documents, writer: documents.writer, tableName: cfg.tableName }),
        sessions: createDynamoUserSessions({ client: documents.writer, tableName: cfg.tableName }),
        clock: now,
      },
      events: topicOnFirstUse(cfg).account,
    },
  };
}

let cached: AccountDataServices | undefined;

/** Built at the first call (the cold start's first request), from the parsed config. */
export function accountDataServices(): AccountDataServices {
  cached ??= buildAccountDataServices(config());
  return cached;
}
