import type { EmailChangeDeps } from "@media/core/account-security";
import type { Accounts } from "@media/core/accounts";
import type { CodeLimitDeps } from "@media/core/code-limits";
import type { SessionDeps } from "@media/core/sessions";
import { createCognitoAccountSecurity } from "../adapters/cognito-account-security";
import { createCognitoAccounts } from "../adapters/cognito-accounts";
import { createDynamoRateLimiter } from "../adapters/dynamo-rate-limiter";
import { createDynamoSessionCutoffs } from "../adapters/dynamo-session-cutoffs";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { cognitoClient } from "./clients/cognito";
import { dynamoClient } from "./clients/dynamo";
import { lazyNoticeMailer } from "./notice-mailer";

/**
 * The composition root of the auth routes (sign-up, confirmation, login and its MFA step, refresh,
 * password reset, logout) and of a person's own account security (password and email changes, MFA,
 * sign out everywhere): the user pool, plus the two small DynamoDB items they keep, the code limits and each user's
 * session cut, through the plain DynamoDB client. No S3, SNS or document client: an auth route's bundle
 * holds Cognito and DynamoDB's core alone (budgets in stacks/bundles.test.ts).
 */
export interface AuthServices {
  config: FunctionsConfig;
  accounts: Accounts;
  /** Logout and password reset, which end every session of the user. */
  sessions: SessionDeps;
  /** The limits on sending and checking emailed codes, per account and per client. */
  codeLimits: CodeLimitDeps;
  /** The signed-in person's password, email (and the notice to the old one), MFA and sessions (account-security.ts). */
  security: EmailChangeDeps;
}

export function buildAuthServices(cfg: FunctionsConfig): AuthServices {
  const dynamo = dynamoClient(cfg.region);
  const cognito = cognitoClient(cfg.region);
  const accounts = createCognitoAccounts({ client: cognito, clientId: cfg.userPoolClientId, userPoolId: cfg.userPoolId });
  const sessions = { accounts, cutoffs: createDynamoSessionCutoffs({ client: dynamo, tableName: cfg.tableName }), clock: clock() };
  const codeLimits = { limiter: createDynamoRateLimiter({ client: dynamo, tableName: cfg.tableName }), clock: clock(), limits: cfg.codeLimits };
  return {
    config: cfg,
    accounts,
    sessions,
    codeLimits,
    security: { ...sessions, security: createCognitoAccountSecurity({ client: cognito, clientId: cfg.userPoolClientId }), codeLimits, secret: cfg.cursorSecret, mailer: lazyNoticeMailer(cfg) },
  };
}

let cached: AuthServices | undefined;

/** Built at the first call (the cold start's first request), from the parsed config. */
export function authServices(): AuthServices {
  cached ??= buildAuthServices(config());
  return cached;
}
