import type { ExportDeps } from "@media/core/account-export";
import type { Accounts } from "@media/core/accounts";
import { createCognitoAccounts } from "../adapters/cognito-accounts";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { cognitoClient } from "./clients/cognito";
import { buildMediaRecords } from "./media-records";
import { objectStorageOnFirstUse } from "./storage-on-first-use";

/**
 * The composition root of `GET /me/export` (every record with download URLs): the user pool for the
 * caller's email, and the stored media (DynamoDB, S3 and its presigner). Unlike `DELETE /me`
 * (account-data.ts) it announces nothing, so its bundle holds no SNS client. S3 is a chunk whose loading
 * starts with the first request, beside its calls to Cognito and DynamoDB (storage-on-first-use.ts).
 */
export interface AccountExportServices {
  accounts: Accounts;
  exports: ExportDeps;
  /** Starts loading the S3 client, which the export's presigned URLs need after the records are read. */
  preloadStorage(): void;
}

export function buildAccountExportServices(cfg: FunctionsConfig): AccountExportServices {
  const { storage, preload } = objectStorageOnFirstUse(cfg);
  return {
    accounts: createCognitoAccounts({ client: cognitoClient(cfg.region), clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId }),
    exports: { repo: buildMediaRecords(cfg).repo, storage, clock: clock() },
    preloadStorage: preload,
  };
}

let cached: AccountExportServices | undefined;

/** Built at the first call (the cold start's first request), from the parsed config. */
export function accountExportServices(): AccountExportServices {
  cached ??= buildAccountExportServices(config());
  return cached;
}
