import type { Accounts } from "@media/core/accounts";
import type { LibraryDeps } from "@media/core/library";
import { createCognitoAccounts } from "../adapters/cognito-accounts";
import { createDynamoMediaRepository } from "../adapters/dynamo-media-repository";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { cognitoClient } from "./clients/cognito";
import { documentClients } from "./clients/dynamo-documents";

/**
 * The composition root of `GET /me`: the caller's profile from the user pool and their usage item.
 * Neither an auth route (it reads the usage record) nor a library one (it asks Cognito): no S3, no SNS.
 */
export interface AccountServices {
  accounts: Accounts;
  usage: Pick<LibraryDeps, "repo" | "clock" | "limits">;
}

export function buildAccountServices(cfg: FunctionsConfig): AccountServices {
  const { documents, writer } = documentClients(cfg.region);
  return {
    accounts: createCognitoAccounts({ client: cognitoClient(cfg.region), clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId }),
    usage: { repo: createDynamoMediaRepository({ client: documents, writer, tableName: cfg.tableName }), clock: clock(), limits: cfg.limits },
  };
}

let cached: AccountServices | undefined;

/** Built at the first call (the cold start's first request), from the parsed config. */
export function accountServices(): AccountServices {
  cached ??= buildAccountServices(config());
  return cached;
}
