import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Stack as CdkStack, type RemovalPolicy } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Function, type FunctionProps, type Stack } from "sst/constructs";
import { functionEnvironment } from "@media/core/function-env";
import { METRICS_NAMESPACE, SERVICE_NAME } from "@media/core/metric-names";
import { TABLE } from "@media/core/table";
import { dedupeAwsSdk } from "./dedupe";
import { sdkSubstitutes } from "./sdk-substitutes";
import { sdkPackageInfo } from "./sdk-package-info";
import { PROD_STAGE, type SesEmail, type StageSettings } from "./settings";
import { DERIVED_PREFIX, UPLOAD_PREFIX } from "./Storage";

/** Every Lambda handler is a module under this folder exporting `handler`. */
export const FUNCTIONS_SRC = "packages/functions/src";

export function handlerOf(module: string): string {
  return `${FUNCTIONS_SRC}/${module}.handler`;
}

/**
 * Applied to every function of the app (sst.config.ts sets them as the app's defaults).
 * - nodejs22.x on arm64.
 * - Minified ESM per handler. The AWS SDK v3 clients are bundled, not taken from the runtime:
 *   the presigning code depends on SDK behaviour of a known version (checksum defaults, aws-sdk-js-v3#6994),
 *   the same version the tests and the local runtime run, and the runtime's copy changes under us.
 *   esbuild keeps only the modular clients a handler imports, each package once (dedupe.ts).
 * - Code splitting: what is imported with `import()` goes into chunks of its own, loaded when first
 *   used. A cold start then loads only what every request needs: not the X-Ray tracer where tracing is off, or the
 *   authorizer's Cognito client. stacks/bundles.test.ts holds each function to a budget of those bytes.
 * - No `keepNames` (SST turns it on): it wraps every class and function of the bundle in a call that
 *   restores its name, about 5 % of each bundle (32 KB of DELETE /me's 634 KB, 21 KB of an auth
 *   route's 393). No code of ours reads a function's or class's name (the errors write theirs out,
 *   core/src/errors.ts). The SDK compares built-ins' names (Set, Map, Uint8Array), which minifying
 *   leaves alone, and in two places its logger's class name (`NoOpLogger`), which only decides whether
 *   a rare deserialization hint goes to the console or to that no-op logger.
 * - The SDK clients' package.json reduced to the version they read (sdk-package-info.ts).
 * - Credentials from the environment alone, where Lambda puts the role's: the SDK's default chain is
 *   replaced (sdk-substitutes.ts), which takes its STS and SSO clients' protocols out of every cold start;
 *   so is the DynamoDB client's endpoint-discovery cache, which none of its commands reads.
 * - No sourcemaps: they would be mostly the SDK's, and SST would upload them through its bootstrap bucket.
 * - No X-Ray by default: its write actions only accept a `*` resource, and every role here is otherwise
 *   scoped to named resources. A stage turns it on (`observabilityFor`), and then only that is on `*`.
 */
export const FUNCTION_DEFAULTS: FunctionProps = {
  runtime: "nodejs22.x",
  architecture: "arm_64",
  tracing: "disabled",
  nodejs: {
    format: "esm",
    minify: true,
    sourcemap: false,
    splitting: true,
    esbuild: { target: "node22", legalComments: "none", keepNames: false, plugins: [sdkSubstitutes(), dedupeAwsSdk(), sdkPackageInfo()] },
  },
};

/** What a function reaches, declared per handler; turned into IAM statements on named resources only. */
export interface Access {
  /** Reads the functions' config (packages/functions/src/config.ts), which requires every resource name. */
  config: boolean;
  /** Enforces the upload limits, so gets MAX_FILE_BYTES / QUOTA_BYTES / UPLOAD_EXPIRES_SECONDS. */
  limits?: boolean;
  /** Item actions on the table. */
  table?: DynamoItemAction[];
  /**
   * Query: `true` on the table (a user's files) and on the byKind index (the type filter); `"table"` on
   * the table alone (a file's share links).
   */
  query?: boolean | "table";
  /** Object actions by key prefix. s3:GetObject also covers HEAD; presigning needs the signer to hold the action. */
  objects?: Partial<Record<ObjectAction, Prefix[]>>;
  /** ListBucket, restricted by condition to keys under derived/ (deleting a file's thumbnails). */
  listDerived?: boolean;
  /** ListBucket restricted by condition to keys under these prefixes (deleting everything of a user). */
  listPrefixes?: Prefix[];
  /**
   * ListBucket on the whole bucket, for a function that must tell an object deleted meanwhile from a
   * refused read: S3 answers a HEAD or GET of a missing key with 404 only to a caller holding
   * s3:ListBucket, and with 403 AccessDenied to anyone else.
   */
  seesMissingKeys?: boolean;
  /** s3:ListBucketMultipartUploads on the bucket (the sweep finds unfinished uploads no record names). */
  listUploads?: boolean;
  /** sns:Publish on the media-events topic. */
  publish?: boolean;
  /** IAM-authorised Cognito actions, on the user pool only (see ROUTE_ACCESS in Api.ts for why each). */
  userPool?: UserPoolAction[];
  /**
   * Sends the service's own notices (core/notices.ts) through SES from the stage's sender: its address
   * in the environment and ses:SendEmail on its identity, when the stage has one (SES_FROM_EMAIL).
   */
  notices?: boolean;
}

/** Item actions, and Scan (the sweep only), all on the table itself. */
export type DynamoItemAction =
  | "dynamodb:GetItem"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:Scan"
  | "dynamodb:BatchWriteItem";
/** s3:PutObject also covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload. */
export type ObjectAction = "s3:GetObject" | "s3:PutObject" | "s3:DeleteObject" | "s3:AbortMultipartUpload" | "s3:ListMultipartUploadParts";
export type Prefix = typeof UPLOAD_PREFIX | typeof DERIVED_PREFIX;
export type UserPoolAction = "cognito-idp:ListUsers" | "cognito-idp:AdminGetUser" | "cognito-idp:AdminUserGlobalSignOut";

export interface AccessTargets {
  tableArn: string;
  bucketArn: string;
  topicArn: string;
  /** Needed only by functions whose Access names `userPool` actions. */
  userPoolArn?: string;
  /** The stage's SES sender, for functions whose Access sends notices; absent on a stage without SES. */
  notices?: NoticeSender;
}

/** Who the service's notices come from: the identity Cognito's own mail uses (stacks/Auth.ts). */
export interface NoticeSender {
  /** As Cognito writes it: `Name <address>`, or the address alone. */
  from: string;
  /** Where the identity is verified. */
  region: string;
  /** `arn:aws:ses:<region>:<account>:identity/<address or domain>`. */
  identityArn: string;
}

/** The sender of a stage's SES settings, in the stack's account. */
export function noticeSender(email: SesEmail, stack: { region: string; account: string; partition: string }): NoticeSender {
  const region = email.sesRegion ?? stack.region;
  return {
    from: email.fromName ? `${email.fromName} <${email.fromEmail}>` : email.fromEmail,
    region,
    identityArn: `arn:${stack.partition}:ses:${region}:${stack.account}:identity/${email.sesVerifiedDomain ?? email.fromEmail}`,
  };
}

/** The values behind the functions' configuration variables (tokens resolved at deploy time). */
export interface ConfigValues {
  tableName: string;
  bucketName: string;
  topicArn: string;
  userPoolId: string;
  userPoolClientId: string;
  /** A `{{resolve:secretsmanager:…}}` reference, never the value. */
  cursorSecret: string;
  /** The stage's SES sender (functions that send notices); absent on a stage without SES. */
  notices?: NoticeSender;
}

/** The configuration values from the Auth and Storage stacks' outputs, the same for every function. */
export function configValues(
  storage: { table: { tableName: string }; bucket: { bucketName: string }; topic: { topicArn: string }; cursorSecretReference: string },
  auth: { userPoolId: string; userPoolClientId: string },
  notices?: NoticeSender,
): ConfigValues {
  return {
    ...(notices ? { notices } : {}),
    tableName: storage.table.tableName,
    bucketName: storage.bucket.bucketName,
    topicArn: storage.topic.topicArn,
    userPoolId: auth.userPoolId,
    userPoolClientId: auth.userPoolClientId,
    cursorSecret: storage.cursorSecretReference,
  };
}

/**
 * The environment a function gets: nothing for one that reads no config; otherwise every variable that
 * packages/functions/src/config.ts requires (it parses them all at cold start), plus the limits for the
 * functions that enforce them. AWS_REGION is set by Lambda itself.
 */
export function environmentFor(access: Access, values: ConfigValues, limits: StageSettings["limits"]): Record<string, string> {
  if (!access.config) return {};
  return functionEnvironment({
    tableName: values.tableName,
    bucketName: values.bucketName,
    topicArn: values.topicArn,
    userPoolId: values.userPoolId,
    userPoolClientId: values.userPoolClientId,
    cursorSecret: values.cursorSecret,
    ...(access.limits
      ? {
          maxFileBytes: String(limits.maxFileBytes),
          quotaBytes: String(limits.quotaBytes),
          uploadExpiresSeconds: limits.uploadExpiresSeconds === undefined ? undefined : String(limits.uploadExpiresSeconds),
        }
      : {}),
    ...(access.notices && values.notices ? { noticeFrom: values.notices.from, noticeRegion: values.notices.region } : {}),
  });
}

export function statementsFor(access: Access, targets: AccessTargets): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (access.table?.length) {
    statements.push(new PolicyStatement({ actions: [...access.table], resources: [targets.tableArn] }));
  }
  if (access.query) {
    const resources = access.query === "table" ? [targets.tableArn] : [targets.tableArn, `${targets.tableArn}/index/${TABLE.byKindIndex.name}`];
    statements.push(new PolicyStatement({ actions: ["dynamodb:Query"], resources }));
  }
  for (const [action, prefixes] of Object.entries(access.objects ?? {})) {
    if (!prefixes?.length) continue;
    statements.push(new PolicyStatement({ actions: [action], resources: prefixes.map((p) => `${targets.bucketArn}/${p}*`) }));
  }
  if (access.listDerived) {
    statements.push(
      new PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [targets.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${DERIVED_PREFIX}*`] } },
      }),
    );
  }
  if (access.listPrefixes?.length) {
    statements.push(
      new PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [targets.bucketArn],
        conditions: { StringLike: { "s3:prefix": access.listPrefixes.map((p) => `${p}*`) } },
      }),
    );
  }
  if (access.seesMissingKeys) {
    statements.push(new PolicyStatement({ actions: ["s3:ListBucket"], resources: [targets.bucketArn] }));
  }
  if (access.listUploads) {
    statements.push(new PolicyStatement({ actions: ["s3:ListBucketMultipartUploads"], resources: [targets.bucketArn] }));
  }
  if (access.publish) {
    statements.push(new PolicyStatement({ actions: ["sns:Publish"], resources: [targets.topicArn] }));
  }
  if (access.userPool?.length) {
    if (!targets.userPoolArn) throw new Error(`stacks/lambda.ts: ${access.userPool.join(", ")} needs the user pool's ARN in the access targets`);
    statements.push(new PolicyStatement({ actions: [...access.userPool], resources: [targets.userPoolArn] }));
  }
  if (access.notices && targets.notices) {
    statements.push(new PolicyStatement({ actions: ["ses:SendEmail"], resources: [targets.notices.identityArn] }));
  }
  return statements;
}

/**
 * What the functions' logs and metrics are filed under (Powertools reads these from the environment): the
 * CloudWatch namespace of their EMF metrics (core/metric-names.ts), with dimensions `service` and `stage`.
 */
export { METRICS_NAMESPACE, SERVICE_NAME };

export interface Observability {
  /** X-Ray active tracing on every function, with the AWS SDK clients' calls as subsegments. */
  tracing: boolean;
}

/**
 * Tracing is on in prod and off elsewhere unless the deploying shell says otherwise
 * (`TRACING=on npx sst deploy --stage dev`, `TRACING=off` for prod). A bad value fails the synthesis.
 */
export function observabilityFor(stage: string, env: Record<string, string | undefined> = process.env): Observability {
  const raw = env.TRACING?.trim().toLowerCase();
  if (raw === undefined || raw === "") return { tracing: stage === PROD_STAGE };
  if (["on", "true", "1"].includes(raw)) return { tracing: true };
  if (["off", "false", "0"].includes(raw)) return { tracing: false };
  throw new Error(`TRACING must be on or off, got "${env.TRACING}"`);
}

/**
 * The Powertools settings every function gets, whatever it reads of the app's config. Responses are
 * never put in traces: they hold tokens and presigned URLs, and trace data is not redacted.
 */
export function observabilityEnvironment(stage: string, observability: Observability): Record<string, string> {
  return {
    STAGE: stage,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_TRACE_ENABLED: String(observability.tracing),
    POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
  };
}

export interface MediaFunctionProps {
  /** Module under packages/functions/src, e.g. `api/upload`. */
  module: string;
  description: string;
  environment: Record<string, string>;
  permissions: PolicyStatement[];
  timeoutSeconds: number;
  memoryMB: number;
  /** Lambda's /tmp (ephemeral storage), when the default 512 MB is not enough. */
  diskSizeMB?: number;
  logRemovalPolicy: RemovalPolicy;
  /** Bundling that differs from FUNCTION_DEFAULTS (replaces its `nodejs` whole), e.g. native modules. */
  bundle?: Pick<FunctionProps, "nodejs" | "hooks">;
}

/**
 * One of our functions, with its own log group (a month of retention, set by CloudFormation rather than
 * by CDK's log-retention helper, whose role needs logs actions on `*`) and its own role. The role is not
 * CDK's default one: that carries the AWSLambdaBasicExecutionRole managed policy (logs actions on every
 * log group of the account); this one may write to its function's log group only. With tracing on (see
 * `observabilityFor`), CDK adds X-Ray's two write actions, which exist only on `*`.
 */
export function mediaFunction(scope: Construct, id: string, props: MediaFunctionProps): Function {
  const stage = (CdkStack.of(scope) as Stack).stage;
  if (!stage) throw new Error(`stacks/lambda.ts: ${id} is not inside an SST stack (no stage)`);
  const observability = observabilityFor(stage);
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: RetentionDays.ONE_MONTH,
    removalPolicy: props.logRemovalPolicy,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
    description: `media-storage ${props.module}`,
  });
  role.addToPolicy(new PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroup.logGroupArn] }));
  return new Function(scope, id, {
    handler: handlerOf(props.module),
    description: props.description,
    environment: { ...observabilityEnvironment(stage, observability), ...props.environment },
    tracing: observability.tracing ? "active" : "disabled",
    permissions: props.permissions,
    timeout: props.timeoutSeconds,
    memorySize: props.memoryMB,
    ...(props.diskSizeMB !== undefined ? { diskSize: props.diskSizeMB } : {}),
    logGroup,
    role,
    ...props.bundle,
  });
}
