import type { ExportDeps } from "@media/core/account-export";
import type { Accounts } from "@media/core/accounts";
import { createCognitoAccounts } from "../adapters/cognito-accounts";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { cognitoClient } from "./clients/cognito";
import { buildMediaStore } from "./media-store";

/**
 * The composition root of `GET /me/export` (every record with download URLs): the user pool for the
 * caller's email, and the stored media (DynamoDB, S3 and its presigner). Unlike `DELETE /me`
 * (account-data.ts) it announces nothing, so its bundle holds no SNS client.
 */
export interface AccountExportServices {
  accounts: Accounts;
  exports: ExportDeps;
}

export function buildAccountExportServices(cfg: FunctionsConfig): AccountExportServices {
  const { repo, storage } = buildMediaStore(cfg);
  return {
    accounts: createCognitoAccounts({ client: cognitoClient(cfg.region), clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId }),
    exports: { repo, storage, clock: clock() },
  };
}

let cached: AccountExportServices | undefined;

/** Built at the first call (the cold start's first request), from the parsed config. */
export function accountExportServices(): AccountExportServices {
  cached ??= buildAccountExportServices(config());
  return cached;
}
