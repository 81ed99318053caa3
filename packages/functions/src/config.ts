import { z } from "zod";
import { CODE_LIMITS, codeLimits, type CodeLimits } from "@media/core/code-limits";
import { FUNCTION_ENV as ENV } from "@media/core/function-env";
import { DEFAULT_LIMITS, type Limits } from "@media/core/limits";

/**
 * The functions' configuration, parsed once per cold start from plain environment variables that the
 * stacks (or the local runtime) set. A missing or malformed variable fails with its name; resource
 * names never get a plausible default.
 */
const positiveInt = z.coerce.number().int().positive();

const Schema = z.object({
  AWS_REGION: z.string().min(1),
  [ENV.tableName]: z.string().min(1),
  [ENV.bucketName]: z.string().min(1),
  [ENV.topicArn]: z.string().min(1),
  [ENV.userPoolId]: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, "must be a Cognito user pool id like us-east-1_AbC123"),
  [ENV.userPoolClientId]: z.string().min(1),
  [ENV.cursorSecret]: z.string().min(16, "must be at least 16 characters"),
  [ENV.maxFileBytes]: positiveInt.default(DEFAULT_LIMITS.maxFileBytes),
  [ENV.quotaBytes]: positiveInt.default(DEFAULT_LIMITS.quotaBytes),
  [ENV.uploadExpiresSeconds]: positiveInt.max(15 * 60).default(DEFAULT_LIMITS.uploadExpiresSeconds),
  [ENV.urlExpiresSeconds]: positiveInt.max(7 * 24 * 3600).default(DEFAULT_LIMITS.urlExpiresSeconds),
  /** Code emails and code checks one client address may ask for in an hour (code-limits.ts). */
  [ENV.codeEmailsPerClientPerHour]: positiveInt.default(CODE_LIMITS.emailsPerClient.limit),
  [ENV.codeChecksPerClientPerHour]: positiveInt.default(CODE_LIMITS.checksPerClient.limit),
  /** Path-style S3 URLs: needed by S3-compatible endpoints that have no per-bucket host names. */
  [ENV.s3ForcePathStyle]: z.enum(["true", "false"]).default("false"),
  /**
   * The user pool's JWKS as JSON, when the verifier must not fetch it (the local runtime, whose keys are
   * not on Cognito's host). On AWS it is absent and the keys are fetched at cold start.
   */
  [ENV.jwks]: z
    .string()
    .transform((text, ctx) => {
      try {
        const jwks = JSON.parse(text) as unknown;
        if (typeof jwks === "object" && jwks !== null && Array.isArray((jwks as { keys?: unknown }).keys)) return jwks as Jwks;
      } catch {
        // Reported below with the variable's name.
      }
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be a JSON Web Key Set ({\"keys\": [...]})" });
      return z.NEVER;
    })
    .optional(),
  /** `Name <address>` or an address, verified in SES; unset on a stage without SES (no notices then). */
  [ENV.noticeFrom]: z.string().min(3).max(320).optional(),
  [ENV.noticeRegion]: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region like eu-west-1").optional(),
});

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
};

function parsed<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv, what: string): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid ${what} configuration: ${problems}`);
  }
  return result.data;
}

export function parseConfig(env: NodeJS.ProcessEnv): FunctionsConfig {
  const e = parsed(Schema, env, "function");
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

const AuthorizerSchema = Schema.pick({ AWS_REGION: true, [ENV.tableName]: true, [ENV.userPoolId]: true, [ENV.userPoolClientId]: true, [ENV.jwks]: true });

export function parseAuthorizerConfig(env: NodeJS.ProcessEnv): AuthorizerConfig {
  const e = parsed(AuthorizerSchema, env, "authorizer");
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
