import { CODE_LIMITS, codeLimits, type CodeLimits } from "@media/core/code-limits";
import { FUNCTION_ENV as ENV } from "@media/core/function-env";
import { DEFAULT_LIMITS, type Limits } from "@media/core/limits";
import { decoded, oneOf, optional, positiveInt, readEnv, text } from "./env-rules";

/**
 * The functions' configuration, parsed once per cold start from plain environment variables that the
 * stacks (or the local runtime) set. A missing or malformed variable fails with its name; resource
 * names never get a plausible default.
 */
const required = text({ min: 1 });

/** What the authorizer reads as well as the routes. */
const AuthorizerRules = {
  AWS_REGION: required,
  [ENV.tableName]: required,
  [ENV.userPoolId]: text({ pattern: { test: /^[\w-]+_[0-9a-zA-Z]+$/, message: "must be a Cognito user pool id like us-east-1_AbC123" } }),
  [ENV.userPoolClientId]: required,
  /**
   * The user pool's JWKS as JSON, when the verifier must not fetch it (the local runtime, whose keys are
   * not on Cognito's host). On AWS it is absent and the keys are fetched at cold start.
   */
  [ENV.jwks]: optional(decoded(jwksOf, 'must be a JSON Web Key Set ({"keys": [...]})')),
};

const Rules = {
  AWS_REGION: required,
  [ENV.tableName]: required,
  [ENV.bucketName]: required,
  [ENV.topicArn]: required,
  [ENV.userPoolId]: AuthorizerRules[ENV.userPoolId],
  [ENV.userPoolClientId]: required,
  [ENV.cursorSecret]: text({ min: 16, minMessage: "must be at least 16 characters" }),
  [ENV.maxFileBytes]: positiveInt(DEFAULT_LIMITS.maxFileBytes),
  [ENV.quotaBytes]: positiveInt(DEFAULT_LIMITS.quotaBytes),
  [ENV.uploadExpiresSeconds]: positiveInt(DEFAULT_LIMITS.uploadExpiresSeconds, 15 * 60),
  [ENV.urlExpiresSeconds]: positiveInt(DEFAULT_LIMITS.urlExpiresSeconds, 7 * 24 * 3600),
  /** Code emails and code checks one client address may ask for in an hour (code-limits.ts). */
  [ENV.codeEmailsPerClientPerHour]: positiveInt(CODE_LIMITS.emailsPerClient.limit),
  [ENV.codeChecksPerClientPerHour]: positiveInt(CODE_LIMITS.checksPerClient.limit),
  /** Path-style S3 URLs: needed by S3-compatible endpoints that have no per-bucket host names. */
  [ENV.s3ForcePathStyle]: oneOf(["true", "false"], "false"),
  [ENV.jwks]: AuthorizerRules[ENV.jwks],
  /** `Name <address>` or an address, verified in SES; unset on a stage without SES (no notices then). */
  [ENV.noticeFrom]: optional(text({ min: 3, max: 320 })),
  [ENV.noticeRegion]: optional(text({ pattern: { test: /^[a-z]{2}(-[a-z]+)+-\d$/, message: "must be an AWS region like eu-west-1" } })),
  [ENV.scratchDir]: optional(text({ pattern: { test: /^\//, message: "must be an absolute path" } })),
};

function jwksOf(text: string): Jwks | undefined {
  try {
    const jwks = JSON.parse(text) as unknown;
    if (typeof jwks === "object" && jwks !== null && Array.isArray((jwks as { keys?: unknown }).keys)) return jwks as Jwks;
  } catch {
    // Reported by the rule, with the variable's name.
  }
  return undefined;
}

/** A JSON Web Key Set as the verifier caches it; aws-jwt-verify checks each key itself. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

export type FunctionsConfig = {
  region: string;
  tableName: string;
  bucketName: string;
  topicArn: string;
  userPoolId: string;
  userPoolClientId: string;
  cursorSecret: string;
  limits: Limits;
  codeLimits: CodeLimits;
  s3ForcePathStyle: boolean;
  jwks?: Jwks;
  /** Who the service's own notices come from, through SES in `region`; absent, none are sent. */
  notices?: { from: string; region: string };
  /** Where temporary files go; absent, the platform's temporary folder (Lambda's /tmp). */
  scratchDir?: string;
};

export function parseConfig(env: NodeJS.ProcessEnv): FunctionsConfig {
  const e = readEnv(Rules, env, "function");
  if (e[ENV.maxFileBytes] > e[ENV.quotaBytes]) throw new Error(`Invalid function configuration: ${ENV.maxFileBytes} is larger than ${ENV.quotaBytes}`);
  const config: FunctionsConfig = {
    region: e.AWS_REGION,
    tableName: e[ENV.tableName],
    bucketName: e[ENV.bucketName],
    topicArn: e[ENV.topicArn],
    userPoolId: e[ENV.userPoolId],
    userPoolClientId: e[ENV.userPoolClientId],
    cursorSecret: e[ENV.cursorSecret],
    limits: {
      maxFileBytes: e[ENV.maxFileBytes],
      quotaBytes: e[ENV.quotaBytes],
      uploadExpiresSeconds: e[ENV.uploadExpiresSeconds],
      urlExpiresSeconds: e[ENV.urlExpiresSeconds],
    },
    codeLimits: codeLimits({ emails: e[ENV.codeEmailsPerClientPerHour], checks: e[ENV.codeChecksPerClientPerHour] }),
    s3ForcePathStyle: e[ENV.s3ForcePathStyle] === "true",
  };
  if (e[ENV.jwks]) config.jwks = e[ENV.jwks];
  if (e[ENV.scratchDir]) config.scratchDir = e[ENV.scratchDir];
  const from = e[ENV.noticeFrom];
  if (from) config.notices = { from, region: e[ENV.noticeRegion] ?? e.AWS_REGION };
  else if (e[ENV.noticeRegion]) throw new Error(`Invalid function configuration: ${ENV.noticeRegion} needs ${ENV.noticeFrom}`);
  return config;
}

/**
 * What the authorizer reads: the user pool and app client its tokens must come from, the table that
 * holds each user's sessions-valid-after time, and locally the pool's keys. Narrower than the API's
 * config, so a setting only the routes use cannot break authorization.
 */
export interface AuthorizerConfig {
  region: string;
  tableName: string;
  userPoolId: string;
  userPoolClientId: string;
  jwks?: Jwks;
}

export function parseAuthorizerConfig(env: NodeJS.ProcessEnv): AuthorizerConfig {
  const e = readEnv(AuthorizerRules, env, "authorizer");
  const config: AuthorizerConfig = { region: e.AWS_REGION, tableName: e[ENV.tableName], userPoolId: e[ENV.userPoolId], userPoolClientId: e[ENV.userPoolClientId] };
  if (e[ENV.jwks]) config.jwks = e[ENV.jwks];
  return config;
}

let cached: FunctionsConfig | undefined;

/** The process's configuration, parsed on first use (the cold start), not at import time. */
export function config(): FunctionsConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
