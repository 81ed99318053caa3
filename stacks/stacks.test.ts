import fs from "node:fs";
import path from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, routeKey } from "@media/core/routes";
import { TABLE } from "@media/core/table";
import { PENDING_GRACE_SECONDS } from "@media/core/limits";
import { ABORT_INCOMPLETE_MULTIPART_DAYS, MULTIPART_WINDOW_SECONDS } from "@media/core/multipart";
import { AUTHORIZER_CACHE_SECONDS, THROTTLE } from "./Api";
import { INDEXER_NATIVE_MODULES } from "./Indexer";
import { RENDITION_SETTINGS } from "@media/core/renditions/rendition-settings";
import { cachedBundle } from "./bundle-cache";
import { moduleOf } from "./bundles";
import { FUNCTION_DEFAULTS, handlerOf, METRICS_NAMESPACE, SERVICE_NAME } from "./lambda";
import { RENDITIONS_NATIVE_MODULES } from "./Renditions";
import { CUSTOM_METRICS, CUSTOM_NAMESPACE, INDEX_LATENCY_METRIC, RENDITION_SECONDS_METRIC, THRESHOLDS } from "./Monitoring";
import { MANIFEST, installedVersion, type NativeModulesManifest } from "./native-modules";
import { DEV_WEB_ORIGIN } from "./settings";
import { REPO_ROOT, STACKS, synthesize, type StackName, type Synthesized } from "./synth";

/**
 * The whole app synthesized once, as `sst deploy --stage test` would (every function bundled), with no
 * AWS credentials and every AWS endpoint pointed at a closed local port: a lookup of any kind would
 * fail the synthesis, so passing proves it is offline.
 */

type Json = Record<string, any>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
  Principal?: unknown;
}

const FUNCTIONS_SRC = "packages/functions/src/";
/** A certificate ARN of the shape ACM gives (CloudFront takes them from us-east-1 only); nothing looks it up. */
const PROD_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
const CONFIG_VARS = ["TABLE_NAME", "BUCKET_NAME", "TOPIC_ARN", "USER_POOL_ID", "USER_POOL_CLIENT_ID", "CURSOR_SECRET"];
const LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
const SQS_CONSUME = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"];
const NO_IAM: string[] = [];

/** The contract: every action each function's role may perform (besides writing its own logs). */
const EXPECTED_ACTIONS: Record<string, string[]> = {
  // The user's session cut (logout, password reset), read on every request.
  authorizer: ["dynamodb:GetItem"],
  // The scheduled sweep: a Scan of expired pending markers, each released by a transaction; then the
  // unfinished multipart uploads listed, each checked against its record and aborted when none names it.
  sweep: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem", "s3:AbortMultipartUpload", "s3:ListBucketMultipartUploads"],
  "api/health": NO_IAM,
  "api/openapi": NO_IAM,
  // Public Cognito API calls, and ListUsers (a username's account) on the pool only. The routes that
  // mail or check a code count it first (UpdateItem on the limits' counters).
  "api/signup": ["cognito-idp:ListUsers", "dynamodb:UpdateItem"],
  "api/confirm": ["dynamodb:UpdateItem"],
  "api/resend-code": ["dynamodb:UpdateItem"],
  "api/login": ["cognito-idp:ListUsers"],
  "api/refresh": NO_IAM,
  "api/forgot-password": ["dynamodb:UpdateItem"],
  // The reset finds its account and signs it out everywhere; both write the user's session cut.
  "api/reset-password": ["cognito-idp:AdminGetUser", "cognito-idp:AdminUserGlobalSignOut", "dynamodb:UpdateItem"],
  "api/logout": ["dynamodb:UpdateItem"],
  // s3:PutObject also creates a multipart upload; one whose reservation did not fit is aborted.
  "api/upload": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "s3:AbortMultipartUpload", "s3:PutObject"],
  // Multipart uploads: part URLs (UploadPart is s3:PutObject), the parts listed, the upload completed.
  "api/sign-parts": ["dynamodb:GetItem", "s3:PutObject"],
  "api/list-parts": ["dynamodb:GetItem", "s3:ListMultipartUploadParts"],
  "api/complete-upload": ["dynamodb:GetItem", "s3:ListMultipartUploadParts", "s3:PutObject"],
  "api/retrieve": ["dynamodb:Query", "s3:GetObject"],
  "api/get-file": ["dynamodb:GetItem", "s3:GetObject"],
  "api/download-file": ["dynamodb:GetItem", "s3:GetObject"],
  "api/update-file": ["dynamodb:GetItem", "dynamodb:UpdateItem", "s3:GetObject"],
  "api/delete-file": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListBucket", "sns:Publish"],
  "api/me": ["dynamodb:GetItem"],
  // Share links sign nothing but the public redirect.
  "api/share-file": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
  "api/list-shares": ["dynamodb:GetItem", "dynamodb:Query"],
  "api/revoke-share": ["dynamodb:DeleteItem", "dynamodb:GetItem"],
  "api/open-share": ["dynamodb:GetItem", "s3:GetObject"],
  // Account security: Cognito's public API with the user's own token (no IAM); session cut and code counts.
  "api/login-mfa": ["dynamodb:UpdateItem"],
  "api/change-password": ["dynamodb:UpdateItem"],
  "api/logout-everywhere": ["dynamodb:UpdateItem"],
  "api/mfa-setup": NO_IAM,
  "api/mfa-verify": ["dynamodb:UpdateItem"],
  "api/mfa-disable": ["dynamodb:UpdateItem"],
  "api/change-email": ["dynamodb:UpdateItem"],
  "api/verify-email": ["dynamodb:UpdateItem"],
  "api/export-account": ["dynamodb:Query", "s3:GetObject", "s3:PutObject"],
  // The self-service purge: the user's objects listed and deleted, links and records deleted, account.deleted.
  "api/delete-account": [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "s3:DeleteObject",
    "s3:ListBucket",
    "sns:Publish",
  ],
  // ListBucket: a missing key then reads as 404, not 403 (S3's rule for readers that cannot list).
  indexer: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "sns:Publish", ...SQS_CONSUME],
  // Reads a ready file and its original, writes and (for a file deleted meanwhile) removes its renditions,
  // records them, and announces them (media.renditions).
  renditions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "sns:Publish", ...SQS_CONSUME],
};

const SECRET_ENV = [
  ...["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
  ...["WEB_ORIGIN", "WEB_CERTIFICATE_ARN", "MAX_FILE_BYTES", "QUOTA_BYTES", "UPLOAD_EXPIRES_SECONDS", "ALERTS_EMAIL"],
  ...["SES_FROM_EMAIL", "SES_FROM_NAME", "SES_IDENTITY", "SES_REGION"],
];
const savedEnv: Record<string, string | undefined> = {};
function isolateEnv(overrides: Record<string, string>) {
  for (const key of [...SECRET_ENV, "AWS_ENDPOINT_URL", "AWS_EC2_METADATA_DISABLED", ...Object.keys(overrides)]) {
    if (!(key in savedEnv)) savedEnv[key] = process.env[key];
  }
  for (const key of SECRET_ENV) delete process.env[key];
  // Any AWS SDK call (STS account lookup, bootstrap lookup, context lookups) would fail right here.
  process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  Object.assign(process.env, overrides);
}
function restoreEnv() {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

let app: Synthesized;
const t = {} as Record<StackName, Template>;

/** The composition root a function's source imports (packages/functions/src/roots/<family>), or "none". */
const familyOf = (module: string) =>
  /from "\.\.?\/(?:\.\.\/)*roots\/([\w-]+)"/.exec(fs.readFileSync(path.join(REPO_ROOT, FUNCTIONS_SRC, `${module}.ts`), "utf8"))?.[1] ?? "none";
/** Every function of ours, by module (the first test below checks that the stacks hold exactly these). */
const MODULES = [...new Set(["authorizer", "indexer", "renditions", "sweep", ...ROUTES.map((r) => r.handler)])].sort();
/**
 * The functions SST bundles itself: the first (by name) of each composition root, and api/health, whose
 * asset is run below. Every other function's asset holds stacks/bundles.ts's build of it (from the
 * bundle cache, which stacks/bundles.test.ts fills in the same run): the same esbuild with the same
 * options, which the size comparison of SST's own bundles below shows for every family. Bundling all
 * ~40 functions twice per run, once by SST and once for the budgets, was most of the stack tests' time.
 */
const SST_BUILT = new Set(["api/health", ...new Map(MODULES.map((m) => [familyOf(m), m] as const).reverse()).values()]);
/** The modules whose bundle SST did make in this synthesis. */
const builtBySst = new Set<string>();

beforeAll(async () => {
  // TRACING cleared: the stage's default (off outside prod) is what is asserted.
  isolateEnv({ TRACING: "" });
  const started = Date.now();
  app = await synthesize({
    stage: "test",
    prebuilt: async (props) => {
      const module = moduleOf(props.handler ?? "");
      // Functions with build hooks (the native modules' install of the indexer and the renditions) are SST's alone.
      if (SST_BUILT.has(module) || props.hooks) {
        builtBySst.add(module);
        return undefined;
      }
      return (await cachedBundle({ handler: props.handler, nodejs: props.nodejs }, REPO_ROOT)).files;
    },
  });
  console.log(`synthesized and bundled the test stage in ${((Date.now() - started) / 1000).toFixed(1)} s (SST built ${builtBySst.size} functions)`);
  for (const name of Object.keys(STACKS) as StackName[]) t[name] = Template.fromStack(app.stacks[name]);
  // Bundling every function takes minutes with both cores held by other work (on a clean clone the
  // cache is empty); the limit only guards against hangs.
});

afterAll(async () => {
  await app?.cleanup();
  restoreEnv();
});

// ---------- template helpers ----------

function resources(template: Template, type: string, props?: Json): Record<string, Json> {
  return template.findResources(type, props ? { Properties: Match.objectLike(props) } : undefined);
}
function only(template: Template, type: string): [string, Json] {
  const found = Object.entries(resources(template, type));
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
}
function allTemplates(): [StackName, Template][] {
  return (Object.keys(STACKS) as StackName[]).map((name) => [name, t[name]]);
}
/** The deployed site's origin as the later stacks see it: https:// and the WebHosting distribution's domain. */
function siteOrigin(templates: Record<StackName, Template> = t): Json {
  const [distributionId] = only(templates.WebHosting, "AWS::CloudFront::Distribution");
  return {
    "Fn::Join": ["", ["https://", { "Fn::ImportValue": expect.stringMatching(new RegExp(`-WebHosting:ExportsOutputFnGetAtt${distributionId}DomainName\\w+$`)) }]],
  };
}
/**
 * What a cross-stack reference stands for: `{"Fn::ImportValue": name}` resolved to the Value of the
 * output exported under that name by whichever stack exports it; anything else is returned as is.
 */
function exported(value: unknown): unknown {
  const name = (value as Json | undefined)?.["Fn::ImportValue"];
  if (typeof name !== "string") return value;
  for (const [, template] of allTemplates()) {
    for (const output of Object.values((template.toJSON().Outputs ?? {}) as Record<string, Json>)) {
      if (output.Export?.Name === name) return output.Value;
    }
  }
  throw new Error(`no stack exports ${name}`);
}
/** The warnings recorded in a stack's synthesized artifact (Annotations.fromStack would synthesize again). */
function warningsOf(result: Synthesized, name: StackName): string[] {
  return result.assembly
    .getStackArtifact(result.stacks[name].artifactId)
    .messages.filter((m) => m.level === "warning")
    .map((m) => String(m.entry.data));
}
function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}
function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Our functions: those whose handler is one of packages/functions/src (bundled by SST). */
interface OurFunction {
  stack: StackName;
  logicalId: string;
  module: string;
  props: Json;
  roleId: string;
}
function ourFunctions(): OurFunction[] {
  return allTemplates().flatMap(([stack, template]) =>
    Object.entries(resources(template, "AWS::Lambda::Function"))
      .filter(([, r]) => typeof r.Properties.Handler === "string" && r.Properties.Handler.startsWith(FUNCTIONS_SRC))
      .map(([logicalId, r]) => ({
        stack,
        logicalId,
        module: r.Properties.Handler.slice(FUNCTIONS_SRC.length).replace(/\.handler$/, ""),
        props: r.Properties,
        roleId: r.Properties.Role["Fn::GetAtt"][0],
      })),
  );
}
function fn(module: string): OurFunction {
  const found = ourFunctions().filter((f) => f.module === module);
  expect(found, `one function for ${module}`).toHaveLength(1);
  return found[0]!;
}

/** Every identity-policy statement attached to a role: its inline policies and the AWS::IAM::Policy resources naming it. */
function roleStatements(template: Template, roleId: string): Statement[] {
  const role = template.toJSON().Resources[roleId];
  const inline = ((role?.Properties?.Policies ?? []) as Json[]).flatMap((p) => p.PolicyDocument.Statement as Statement[]);
  const attached = Object.values(resources(template, "AWS::IAM::Policy"))
    .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

// ---------- Auth ----------

describe("Auth stack", () => {
  it("without SES_FROM_EMAIL sends no notices, and says so: no sender in any function's environment, no SES grant", () => {
    for (const f of ourFunctions()) expect(Object.keys(f.props.Environment?.Variables ?? {}), f.module).not.toContain("NOTICE_FROM_EMAIL");
    const ses = ourFunctions().flatMap((f) => roleStatements(t[f.stack], f.roleId)).filter((s) => JSON.stringify(s.Action).includes("ses:"));
    expect(ses).toEqual([]);
    expect(warningsOf(app, "Api").filter((w) => w.includes("SES_FROM_EMAIL is not set"))).toHaveLength(1);
  });

  it("has a user pool signing in by email, with self sign-up confirmed by an emailed code and a strong password policy", () => {
    t.Auth.resourceCountIs("AWS::Cognito::UserPool", 1);
    t.Auth.hasResourceProperties("AWS::Cognito::UserPool", {
      UsernameAttributes: ["email"],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ["email"],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      VerificationMessageTemplate: Match.objectLike({ DefaultEmailOption: "CONFIRM_WITH_CODE" }),
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 8,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }] },
      // Each person may turn on TOTP MFA; no SMS.
      MfaConfiguration: "OPTIONAL",
      EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
    });
    // No identity pool: users never get AWS credentials.
    t.Auth.resourceCountIs("AWS::Cognito::IdentityPool", 0);
  });

  it("has one public app client: no secret, password/SRP/refresh flows, no user-existence leaks, revocable short-lived tokens", () => {
    const [, client] = only(t.Auth, "AWS::Cognito::UserPoolClient");
    const p = client.Properties;
    expect(p.GenerateSecret).toBe(false);
    expect([...p.ExplicitAuthFlows].sort()).toEqual(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]);
    expect(p.PreventUserExistenceErrors).toBe("ENABLED");
    expect(p.EnableTokenRevocation).toBe(true);
    expect(p.TokenValidityUnits).toEqual({ AccessToken: "minutes", IdToken: "minutes", RefreshToken: "minutes" });
    expect(p.AccessTokenValidity).toBeLessThanOrEqual(60);
    expect(p.IdTokenValidity).toBeLessThanOrEqual(60);
    expect(p.RefreshTokenValidity).toBe(30 * 24 * 60);
    expect(p.AllowedOAuthFlowsUserPoolClient).toBe(false);
  });
});

// ---------- Storage ----------

describe("Storage stack", () => {
  it("has a private, encrypted bucket that aborts incomplete multipart uploads once no reservation can still need them", () => {
    const [, bucket] = only(t.Storage, "AWS::S3::Bucket");
    const p = bucket.Properties;
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
    expect(p.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] });
    expect(p.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_MULTIPART_DAYS } }),
    );
    // Never while a multipart upload's reservation (its window and the pending grace) still lives.
    expect(ABORT_INCOMPLETE_MULTIPART_DAYS * 86_400).toBeGreaterThan(MULTIPART_WINDOW_SECONDS + PENDING_GRACE_SECONDS);
  });

  it("refuses every request not made over TLS", () => {
    const [bucketId] = only(t.Storage, "AWS::S3::Bucket");
    const [, policy] = only(t.Storage, "AWS::S3::BucketPolicy");
    expect(policy.Properties.Bucket).toEqual({ Ref: bucketId });
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
      Resource: [{ "Fn::GetAtt": [bucketId, "Arn"] }, { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] }],
    });
  });

  it("allows the web origin to POST uploads, PUT files and parts, and GET/HEAD files, with explicit headers and ETag exposed", () => {
    const [, bucket] = only(t.Storage, "AWS::S3::Bucket");
    const rules = bucket.Properties.CorsConfiguration.CorsRules as Json[];
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    // The local web app's origin (non-prod default) and the deployed site's, imported from WebHosting.
    expect(rule.AllowedOrigins).toEqual([DEV_WEB_ORIGIN, siteOrigin()]);
    expect([...rule.AllowedMethods].sort()).toEqual(["GET", "HEAD", "POST", "PUT"]);
    expect(rule.ExposedHeaders).toContain("ETag");
    expect(rule.AllowedHeaders).toEqual(expect.arrayContaining(["content-type", "range"]));
    expect(rule.AllowedHeaders).not.toContain("*");
  });

  it("sends ObjectCreated events under users/ only, and only to the upload queue", () => {
    const [queueId] = Object.entries(resources(t.Storage, "AWS::SQS::Queue")).find(([id]) => id.startsWith("UploadEvents"))!;
    const [, notifications] = only(t.Storage, "Custom::S3BucketNotifications");
    const config = notifications.Properties.NotificationConfiguration;
    expect(config.LambdaFunctionConfigurations).toBeUndefined();
    expect(config.TopicConfigurations).toBeUndefined();
    expect(config.QueueConfigurations).toEqual([
      {
        Events: ["s3:ObjectCreated:*"],
        Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "users/" }] } },
        QueueArn: { "Fn::GetAtt": [queueId, "Arn"] },
      },
    ]);
    // S3 may send to the queue, for this bucket only.
    const [bucketId] = only(t.Storage, "AWS::S3::Bucket");
    t.Storage.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: Match.arrayWith(["sqs:SendMessage"]),
            Condition: { ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [bucketId, "Arn"] } } },
          }),
        ]),
      },
    });
  });

  it("has an encrypted upload queue sized for S3 events, with a visibility timeout of at least six indexer timeouts", () => {
    const queues = resources(t.Storage, "AWS::SQS::Queue");
    const [, queue] = Object.entries(queues).find(([id]) => id.startsWith("UploadEvents"))!;
    expect(queue.Properties.MaximumMessageSize).toBeGreaterThanOrEqual(64 * 1024);
    expect(queue.Properties.MaximumMessageSize).toBe(256 * 1024);
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const indexerTimeout = fn("indexer").props.Timeout as number;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * indexerTimeout);
  });

  it("moves a message to a 14-day dead-letter queue after 5 receives", () => {
    const queues = resources(t.Storage, "AWS::SQS::Queue");
    const [dlqId, dlq] = Object.entries(queues).find(([id]) => id.startsWith("IndexerDeadLetters"))!;
    const [, queue] = Object.entries(queues).find(([id]) => id.startsWith("UploadEvents"))!;
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: 5 });
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it("builds the table from TABLE: keys, the byKind index, TTL, on-demand billing and point-in-time recovery", () => {
    const [, table] = only(t.Storage, "AWS::DynamoDB::Table");
    const p = table.Properties;
    expect(p.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE.sortKey, KeyType: "RANGE" },
    ]);
    expect(p.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: TABLE.byKindIndex.name,
        KeySchema: [
          { AttributeName: TABLE.byKindIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE.byKindIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ]);
    const attributes = [TABLE.partitionKey, TABLE.sortKey, TABLE.byKindIndex.partitionKey, TABLE.byKindIndex.sortKey];
    expect(p.AttributeDefinitions).toEqual(attributes.map((AttributeName) => ({ AttributeName, AttributeType: "S" })));
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.timeToLiveAttribute, Enabled: true });
    expect(p.BillingMode).toBe("PAY_PER_REQUEST");
    expect(p.PointInTimeRecoverySpecification).toMatchObject({ PointInTimeRecoveryEnabled: true });
  });

  it("has the media-events topic (TLS only) and a generated cursor-signing secret", () => {
    const [topicId] = only(t.Storage, "AWS::SNS::Topic");
    t.Storage.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
    t.Storage.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ PasswordLength: Match.anyValue() }),
    });
  });

  it("makes a non-prod stage disposable: data deleted with the stack and the bucket emptied first", () => {
    for (const type of ["AWS::S3::Bucket", "AWS::DynamoDB::Table"]) {
      const [, r] = only(t.Storage, type);
      expect(r.DeletionPolicy, type).toBe("Delete");
    }
    t.Storage.resourceCountIs("Custom::S3AutoDeleteObjects", 1);
  });
});

// ---------- Api ----------

describe("Api stack", () => {
  const integrationTarget = (integration: Json): OurFunction => {
    const logicalId = integration.Properties.IntegrationUri["Fn::GetAtt"][0];
    const target = ourFunctions().find((f) => f.stack === "Api" && f.logicalId === logicalId);
    expect(target, `function behind ${logicalId}`).toBeDefined();
    return target!;
  };

  it("has an HTTP API with CORS for the web origin and default throttling", () => {
    const [, api] = only(t.Api, "AWS::ApiGatewayV2::Api");
    expect(api.Properties.ProtocolType).toBe("HTTP");
    expect(api.Properties.CorsConfiguration).toMatchObject({
      AllowOrigins: [DEV_WEB_ORIGIN, siteOrigin()],
      AllowHeaders: expect.arrayContaining(["authorization", "content-type"]),
      AllowMethods: expect.arrayContaining(["GET", "POST", "PATCH", "DELETE"]),
    });
    t.Api.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: { ThrottlingBurstLimit: THROTTLE.burst, ThrottlingRateLimit: THROTTLE.rate },
    });
  });

  it("has one Lambda authorizer, uncached so logout holds at once: payload 2.0, simple responses, the Authorization header", () => {
    const [, authorizer] = only(t.Api, "AWS::ApiGatewayV2::Authorizer");
    const p = authorizer.Properties;
    expect(p.AuthorizerType).toBe("REQUEST");
    expect(p.AuthorizerPayloadFormatVersion).toBe("2.0");
    expect(p.EnableSimpleResponses).toBe(true);
    expect(p.IdentitySource).toEqual(["$request.header.Authorization"]);
    expect(p.AuthorizerResultTtlInSeconds).toBe(AUTHORIZER_CACHE_SECONDS);
    expect(p.AuthorizerResultTtlInSeconds).toBe(0);
    expect(JSON.stringify(p.AuthorizerUri)).toContain(`"${fn("authorizer").logicalId}","Arn"`);
  });

  it("creates exactly the routes of ROUTES, each on its own handler, with payload 2.0", () => {
    const routes = Object.values(resources(t.Api, "AWS::ApiGatewayV2::Route"));
    expect(routes).toHaveLength(ROUTES.length);
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(ROUTES.map(routeKey).sort());
    const integrations = t.Api.toJSON().Resources as Record<string, Json>;
    for (const route of ROUTES) {
      const r = routes.find((x) => x.Properties.RouteKey === routeKey(route))!;
      const integrationId = (r.Properties.Target["Fn::Join"][1] as unknown[]).find((x): x is Json => typeof x === "object")!.Ref as string;
      const integration = integrations[integrationId]!;
      expect(integration.Properties.PayloadFormatVersion).toBe("2.0");
      expect(integrationTarget(integration).module, routeKey(route)).toBe(route.handler);
    }
  });

  it("puts the authorizer on exactly the routes marked auth: true", () => {
    const [authorizerId] = only(t.Api, "AWS::ApiGatewayV2::Authorizer");
    const routes = Object.values(resources(t.Api, "AWS::ApiGatewayV2::Route"));
    for (const route of ROUTES) {
      const p = routes.find((x) => x.Properties.RouteKey === routeKey(route))!.Properties;
      if (route.auth) {
        expect(p.AuthorizationType, routeKey(route)).toBe("CUSTOM");
        expect(p.AuthorizerId, routeKey(route)).toEqual({ Ref: authorizerId });
      } else {
        expect(p.AuthorizationType, routeKey(route)).toBe("NONE");
        expect(p.AuthorizerId, routeKey(route)).toBeUndefined();
      }
    }
    expect(ROUTES.filter((r) => r.auth).length).toBeGreaterThan(0);
    expect(ROUTES.filter((r) => !r.auth).length).toBeGreaterThan(0);
  });

  it("hands each function the configuration it reads, the cursor secret only as a dynamic reference", () => {
    for (const f of ourFunctions()) {
      const env = (f.props.Environment?.Variables ?? {}) as Json;
      if (f.module === "api/health" || f.module === "api/openapi") {
        for (const name of CONFIG_VARS) expect(env[name], `${f.module} ${name}`).toBeUndefined();
        continue;
      }
      for (const name of CONFIG_VARS) expect(env[name], `${f.module} ${name}`).toBeDefined();
      const secret = JSON.stringify(env.CURSOR_SECRET);
      expect(secret).toContain("{{resolve:secretsmanager:");
      expect(secret).toContain(":SecretString:::}}");
      const enforcesLimits = f.module === "api/upload" || f.module === "api/me";
      expect(env.MAX_FILE_BYTES !== undefined, `${f.module} MAX_FILE_BYTES`).toBe(enforcesLimits);
      expect(env.QUOTA_BYTES !== undefined, `${f.module} QUOTA_BYTES`).toBe(enforcesLimits);
    }
    const upload = fn("api/upload").props.Environment.Variables;
    expect(upload.MAX_FILE_BYTES).toBe(String(2 * 1024 ** 3));
    expect(upload.QUOTA_BYTES).toBe(String(5 * 1024 ** 3));
  });
});

// ---------- Indexer ----------

describe("Indexer stack", () => {
  it("consumes the upload queue in batches and reports partial batch failures", () => {
    const [, mapping] = only(t.Indexer, "AWS::Lambda::EventSourceMapping");
    const p = mapping.Properties;
    expect(p.FunctionName).toEqual({ Ref: fn("indexer").logicalId });
    expect(p.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(p.BatchSize).toBe(10);
    expect(p.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
    // The local runtime runs as many batches at once (INDEXER_SETTINGS, read by both).
    expect(p.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
    expect(JSON.stringify(p.EventSourceArn)).toMatch(/Storage:ExportsOutputFnGetAttUploadEventsQueue\w+Arn/);
  });
});

// ---------- every function ----------

describe("functions", () => {
  it("are exactly the authorizer, one per ROUTES handler and the indexer, each bundled from an existing module", () => {
    const modules = ourFunctions().map((f) => f.module).sort();
    expect(modules).toEqual(["authorizer", "indexer", "renditions", "sweep", ...new Set(ROUTES.map((r) => r.handler))].sort());
    for (const f of ourFunctions()) {
      expect(fs.existsSync(path.join(REPO_ROOT, FUNCTIONS_SRC, `${f.module}.ts`)), f.module).toBe(true);
      // A bundle uploaded as an asset, not SST's inline placeholder.
      expect(f.props.Code.S3Key, f.module).toMatch(/\.zip$/);
      expect(f.props.Code.ZipFile).toBeUndefined();
    }
  });

  it("are bundled lean: minified ESM (the entry and its chunks), no sourcemaps, no node_modules, as stacks/bundles.ts builds them", async () => {
    // SST bundled one function of each composition root itself (SST_BUILT); their files are compared with
    // stacks/bundles.ts's build of the same function. Every function is bundled with the same settings
    // (FUNCTION_DEFAULTS), so one of each family proves the two bundlers agree, and the other functions'
    // assets, which hold stacks/bundles.ts's build, are what SST would have put there.
    const compared = new Set<string>();
    for (const f of ourFunctions()) {
      const assetDir = path.join(app.assembly.directory, `asset.${String(f.props.Code.S3Key).replace(/\.zip$/, "")}`);
      const files = fs.readdirSync(assetDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      const code = files.filter((e) => /\.(m?js|cjs)$/.test(e.name));
      const entry = `${path.basename(f.module)}.mjs`;
      expect(code.filter((e) => e.name === entry), f.module).toHaveLength(1);
      // Everything else is a chunk of the same build, beside the entry.
      for (const e of code.filter((c) => c.name !== entry)) expect(path.join(e.parentPath, e.name), f.module).toBe(path.join(assetDir, path.dirname(f.props.Handler), e.name));
      expect(files.some((e) => e.name.endsWith(".map")), `${f.module} sourcemap`).toBe(false);
      expect(fs.existsSync(path.join(assetDir, "node_modules")), `${f.module} node_modules`).toBe(false);
      const sizes = code.map((e) => fs.statSync(path.join(e.parentPath, e.name)).size).sort((a, b) => a - b);
      // stacks/bundles.ts (the budgets' bundler) makes the same files as SST, so its budgets hold for what deploys.
      // The indexer is built with settings of its own (native modules, stacks/Indexer.ts), so it is skipped;
      // stacks/bundles.test.ts reads them from the stacks.
      if (f.module === "indexer" || !builtBySst.has(f.module)) continue;
      compared.add(familyOf(f.module));
      const mirrored = await cachedBundle({ handler: handlerOf(f.module), nodejs: FUNCTION_DEFAULTS.nodejs }, REPO_ROOT);
      const mirroredSizes = Object.entries(mirrored.metafile.outputs).filter(([file]) => /\.m?js$/.test(file)).map(([, o]) => o.bytes).sort((a, b) => a - b);
      expect(sizes, f.module).toEqual(mirroredSizes);
    }
    // Every family but the indexer's had a function bundled by SST and compared.
    const families = new Set(ourFunctions().filter((f) => f.module !== "indexer").map((f) => familyOf(f.module)));
    expect([...compared].sort()).toEqual([...families].sort());
    expect(compared.size, [...compared].join(", ")).toBeGreaterThanOrEqual(8);
    // The bundle runs as is: ESM with its own require shim, nothing resolved from outside the asset.
    const health = fn("api/health");
    const dir = path.join(app.assembly.directory, `asset.${String(health.props.Code.S3Key).replace(/\.zip$/, "")}`);
    const mod = (await import(path.join(dir, health.props.Handler.replace(/\.handler$/, ".mjs")))) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number }>;
    };
    const res = await mod.handler({ requestContext: { requestId: "r1" }, headers: {} }, { awsRequestId: "r1" });
    expect(res.statusCode).toBe(200);
    // In a clean clone the bundle cache starts empty, and this test may be the one that fills it (bundles.test.ts
    // runs beside it): the set-up's hang guard, not the 180 s default.
  });

  it("carry the Powertools settings: one service and namespace, their stage, tracing off outside prod", () => {
    for (const f of ourFunctions()) {
      const env = (f.props.Environment?.Variables ?? {}) as Json;
      expect(env, f.module).toMatchObject({
        STAGE: "test",
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_TRACE_ENABLED: "false",
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
      });
    }
  });

  it("run on nodejs22.x (arm64), without X-Ray", () => {
    for (const f of ourFunctions()) {
      expect(f.props.Runtime, f.module).toBe("nodejs22.x");
      expect(f.props.Architectures, f.module).toEqual(["arm64"]);
      expect(f.props.TracingConfig, f.module).toBeUndefined();
    }
  });

  it("each hold exactly the actions they use, on named resources, and no wildcard", () => {
    expect(Object.keys(EXPECTED_ACTIONS).sort()).toEqual(ourFunctions().map((f) => f.module).sort());
    for (const f of ourFunctions()) {
      const template = t[f.stack];
      const role = template.toJSON().Resources[f.roleId];
      // No managed policies (AWSLambdaBasicExecutionRole would allow logs actions on every log group).
      expect(role.Properties.ManagedPolicyArns, f.module).toBeUndefined();
      const statements = roleStatements(template, f.roleId);
      for (const s of statements) {
        expect(s.Effect, f.module).toBe("Allow");
        for (const action of actionsOf(s)) expect(action, `${f.module} action`).not.toContain("*");
        for (const resource of resourcesOf(s)) expect(resource, `${f.module} resource`).not.toBe("*");
      }
      const actions = [...new Set(statements.flatMap(actionsOf))].sort();
      expect(actions, f.module).toEqual([...LOGS, ...EXPECTED_ACTIONS[f.module]!].sort());
      // Logs: only the function's own log group.
      const logs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("logs:")));
      expect(logs.flatMap(resourcesOf), f.module).toEqual([{ "Fn::GetAtt": [f.props.LoggingConfig.LogGroup.Ref, "Arn"] }]);
    }
  });

  it("scope object access by key prefix: originals under users/, thumbnails under derived/", () => {
    const objectResources = (module: string, action: string) => {
      const f = fn(module);
      return roleStatements(t[f.stack], f.roleId)
        .filter((s) => actionsOf(s).includes(action))
        .flatMap(resourcesOf)
        .map((r) => {
          const parts = (r as Json)["Fn::Join"][1] as unknown[];
          expect(JSON.stringify(parts[0])).toMatch(/MediaBucket\w+Arn/);
          return parts[1];
        })
        .sort();
    };
    expect(objectResources("api/upload", "s3:PutObject")).toEqual(["/users/*"]);
    expect(objectResources("api/download-file", "s3:GetObject")).toEqual(["/users/*"]);
    expect(objectResources("api/retrieve", "s3:GetObject")).toEqual(["/derived/*", "/users/*"]);
    expect(objectResources("api/delete-file", "s3:DeleteObject")).toEqual(["/derived/*", "/users/*"]);
    expect(objectResources("indexer", "s3:GetObject")).toEqual(["/users/*"]);
    // Thumbnails: written under derived/ only (never under users/, which would notify the queue again),
    // and deleted there when their record went away while the file was being indexed.
    expect(objectResources("indexer", "s3:PutObject")).toEqual(["/derived/*"]);
    expect(objectResources("indexer", "s3:DeleteObject")).toEqual(["/derived/*", "/users/*"]);

    const del = fn("api/delete-file");
    const list = roleStatements(t.Api, del.roleId).find((s) => actionsOf(s).includes("s3:ListBucket"))!;
    expect(list.Condition).toEqual({ StringLike: { "s3:prefix": ["derived/*"] } });
    // Deleting an account lists the user's originals and derived files, and nothing else of the bucket.
    const purge = fn("api/delete-account");
    const purgeList = roleStatements(t.Api, purge.roleId).find((s) => actionsOf(s).includes("s3:ListBucket"))!;
    expect(purgeList.Condition).toEqual({ StringLike: { "s3:prefix": ["users/*", "derived/*"] } });
    expect(objectResources("api/delete-account", "s3:DeleteObject")).toEqual(["/derived/*", "/users/*"]);

    const retrieve = fn("api/retrieve");
    const query = roleStatements(t.Api, retrieve.roleId).find((s) => actionsOf(s).includes("dynamodb:Query"))!;
    const queried = JSON.stringify(query.Resource);
    expect(queried).toMatch(/FilesTable\w+Arn/);
    expect(queried).toContain(`/index/${TABLE.byKindIndex.name}`);

    // A file's share links are queried in the owner's partition of the table, never through the index.
    for (const module of ["api/delete-file", "api/list-shares"]) {
      const f = fn(module);
      const statements = roleStatements(t.Api, f.roleId).filter((s) => actionsOf(s).includes("dynamodb:Query"));
      expect(statements, module).toHaveLength(1);
      expect(resourcesOf(statements[0]!), module).toHaveLength(1);
      expect(JSON.stringify(statements[0]!.Resource), module).toMatch(/FilesTable\w+Arn/);
      expect(JSON.stringify(statements[0]!.Resource), module).not.toContain("/index/");
    }
    // A share link opens the original, or its display-size preview under derived/ (`?rendition=preview`).
    expect(objectResources("api/open-share", "s3:GetObject")).toEqual(["/derived/*", "/users/*"]);
  });

  it("let only sign-up, login (ListUsers) and the password reset (AdminGetUser, AdminUserGlobalSignOut) call Cognito, on the user pool alone", () => {
    for (const f of ourFunctions()) {
      const wanted = EXPECTED_ACTIONS[f.module]!.filter((a) => a.startsWith("cognito-idp:"));
      const statements = roleStatements(t[f.stack], f.roleId).filter((s) => actionsOf(s).some((a) => a.startsWith("cognito-idp:")));
      if (wanted.length === 0) {
        expect(statements, f.module).toEqual([]);
        continue;
      }
      expect(statements, f.module).toHaveLength(1);
      expect([...actionsOf(statements[0]!)].sort(), f.module).toEqual(wanted);
      const resources = resourcesOf(statements[0]!);
      expect(resources, f.module).toHaveLength(1);
      // The Auth stack's pool, exported to this stack: its ARN, not a wildcard or another pool.
      expect(JSON.stringify(resources[0]), f.module).toMatch(/"Fn::ImportValue":"[\w-]*Auth:ExportsOutputFnGetAttUsersUserPool\w+Arn\w*"/);
    }
    expect(["api/signup", "api/login", "api/reset-password"].every((m) => EXPECTED_ACTIONS[m]!.some((a) => a.startsWith("cognito-idp:")))).toBe(true);
  });

  it("route the public share link to its own function without the authorizer", () => {
    const route = ROUTES.find((r) => r.path === "/s/{token}")!;
    expect(route).toMatchObject({ method: "GET", handler: "api/open-share", auth: false });
    const routes = Object.values(resources(t.Api, "AWS::ApiGatewayV2::Route"));
    expect(routes.find((r) => r.Properties.RouteKey === "GET /s/{token}")!.Properties.AuthorizationType).toBe("NONE");
    for (const key of ["POST /files/{fileId}/share", "GET /files/{fileId}/shares", "DELETE /files/{fileId}/share/{shareId}"]) {
      expect(routes.find((r) => r.Properties.RouteKey === key)?.Properties.AuthorizationType, key).toBe("CUSTOM");
    }
  });
});

// ---------- WebHosting and Web ----------

describe("WebHosting stack", () => {
  it("keeps the site bucket private: CloudFront reads it through origin access control, nobody else", () => {
    const [bucketId, bucket] = only(t.WebHosting, "AWS::S3::Bucket");
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    const [distributionId, distribution] = only(t.WebHosting, "AWS::CloudFront::Distribution");
    const [oacId] = only(t.WebHosting, "AWS::CloudFront::OriginAccessControl");
    const origins = distribution.Properties.DistributionConfig.Origins as Json[];
    expect(origins).toHaveLength(1);
    expect(origins[0]).toMatchObject({
      DomainName: { "Fn::GetAtt": [bucketId, "RegionalDomainName"] },
      OriginAccessControlId: { "Fn::GetAtt": [oacId, "Id"] },
    });
    const [, policy] = only(t.WebHosting, "AWS::S3::BucketPolicy");
    const allows = (policy.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Effect === "Allow");
    const cloudfront = allows.filter((s) => JSON.stringify(s.Principal).includes("cloudfront.amazonaws.com"));
    expect(cloudfront).toHaveLength(1);
    expect(actionsOf(cloudfront[0]!)).toEqual(["s3:GetObject"]);
    // This distribution only, not any CloudFront distribution of any account.
    expect(JSON.stringify(cloudfront[0]!.Condition)).toContain(`{"Ref":"${distributionId}"}`);
  });

  it("serves the app over HTTPS only, with security headers, and hands unknown paths to the app's router", () => {
    const [, distribution] = only(t.WebHosting, "AWS::CloudFront::Distribution");
    const config = distribution.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe("index.html");
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
    // AWS's managed SecurityHeadersPolicy (HSTS, nosniff, frame options, referrer policy).
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBe("67f7725c-6f97-4210-82d7-5512b31e9d03");
    expect(config.CustomErrorResponses).toEqual(
      [403, 404].map((ErrorCode) => ({ ErrorCode, ResponseCode: 200, ResponsePagePath: "/index.html", ErrorCachingMinTTL: 0 })),
    );
    // No custom domain on a stage without WEB_CERTIFICATE_ARN: the CloudFront domain only.
    expect(config.Aliases).toBeUndefined();
  });
});

describe("Web stack", () => {
  const builtApp = () => path.join(app.workDir, "web", "test");
  const builtJs = () => {
    const assets = path.join(builtApp(), "assets");
    return fs.readdirSync(assets).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(assets, f), "utf8")).join("\n");
  };

  it("builds packages/web with its own build command, the API URL left as SST's placeholder, the size limit inlined", () => {
    expect(fs.existsSync(path.join(builtApp(), "index.html"))).toBe(true);
    const js = builtJs();
    // Vite inlines import.meta.env.VITE_API_URL; the placeholder is replaced in the uploaded files.
    expect(js).toContain("{{ VITE_API_URL }}");
    expect(js).toContain(String(2 * 1024 ** 3));
    // A production build (the JSX dev runtime would leave source file names in the bundle).
    expect(js).not.toContain("lineNumber:");
  });

  it("leaves the app that `npm start` serves (packages/web/dist) and packages/web/src alone", () => {
    // Judged by content, not by the folder's age: the browser journeys build packages/web/dist themselves,
    // at the same time as this file. A deploy build carries SST's placeholder for the API URL; the
    // app that `npm start` serves never does.
    const distAssets = path.join(REPO_ROOT, "packages/web/dist/assets");
    const distJs = fs.existsSync(distAssets) ? fs.readdirSync(distAssets).filter((f) => f.endsWith(".js")) : [];
    for (const file of distJs) expect(fs.readFileSync(path.join(distAssets, file), "utf8"), file).not.toContain("{{ VITE_API_URL }}");
    expect(path.relative(path.join(REPO_ROOT, "packages/web"), builtApp()).startsWith("..")).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, "packages/web/src/sst-env.d.ts"))).toBe(false);
  });

  it("uploads the build into the WebHosting bucket, writing in the API's URL, then invalidates the distribution", () => {
    const [, uploader] = only(t.Web, "Custom::S3Uploader");
    const p = uploader.Properties;
    const [bucketId] = only(t.WebHosting, "AWS::S3::Bucket");
    const [distributionId] = only(t.WebHosting, "AWS::CloudFront::Distribution");
    const [apiId] = only(t.Api, "AWS::ApiGatewayV2::Api");
    expect(exported(p.destinationBucketName)).toEqual({ Ref: bucketId });
    const replaced = p.replaceValues as Json[];
    expect(replaced.map((r) => r.files).sort()).toEqual(["**/*.html", "**/*.js"]);
    for (const r of replaced) {
      expect(r.search).toBe("{{ VITE_API_URL }}");
      expect(exported(r.replace)).toEqual({ "Fn::GetAtt": [apiId, "ApiEndpoint"] });
    }
    const [, invalidator] = only(t.Web, "Custom::CloudFrontInvalidator");
    expect(exported(invalidator.Properties.distributionId)).toEqual({ Ref: distributionId });
    expect(invalidator.Properties.paths).toEqual(["/*"]);
  });
});

// ---------- Monitoring ----------

interface ExpectedAlarm {
  name: string;
  /** For single-metric alarms: namespace, metric, statistic, period, and what the dimension must resolve to. */
  metric?: { namespace: string; name: string; statistic: string; period: number; dimension: string; target: () => Json };
  /** For the API rate alarms: the error metric over Count, as a percentage. */
  rateOf?: "4xx" | "5xx";
  comparison: string;
  threshold: number;
  evaluationPeriods: number;
}

describe("Monitoring stack", () => {
  const storageQueue = (prefix: string) => ({ "Fn::GetAtt": [Object.keys(resources(t.Storage, "AWS::SQS::Queue")).find((id) => id.startsWith(prefix))!, "QueueName"] });
  const functionRef = (module: string) => ({ Ref: fn(module).logicalId });
  const EXPECTED: ExpectedAlarm[] = [
    {
      name: "dlq-not-empty",
      metric: { namespace: "AWS/SQS", name: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", period: 60, dimension: "QueueName", target: () => storageQueue("IndexerDeadLetters") },
      comparison: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 1,
    },
    {
      name: "index-queue-stalled",
      metric: { namespace: "AWS/SQS", name: "ApproximateAgeOfOldestMessage", statistic: "Maximum", period: 60, dimension: "QueueName", target: () => storageQueue("UploadEvents") },
      comparison: "GreaterThanThreshold",
      threshold: THRESHOLDS.queueOldestMessageSeconds,
      evaluationPeriods: 2,
    },
    {
      name: "indexer-errors",
      metric: { namespace: "AWS/Lambda", name: "Errors", statistic: "Sum", period: 300, dimension: "FunctionName", target: () => functionRef("indexer") },
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
    },
    {
      name: "rendition-dlq-not-empty",
      metric: { namespace: "AWS/SQS", name: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", period: 60, dimension: "QueueName", target: () => ({ "Fn::GetAtt": [Object.keys(resources(t.Renditions, "AWS::SQS::Queue")).find((id) => id.startsWith("RenditionDeadLetters"))!, "QueueName"] }) },
      comparison: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 1,
    },
    {
      name: "rendition-errors",
      metric: { namespace: "AWS/Lambda", name: "Errors", statistic: "Sum", period: 300, dimension: "FunctionName", target: () => functionRef("renditions") },
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
    },
    {
      name: "authorizer-errors",
      metric: { namespace: "AWS/Lambda", name: "Errors", statistic: "Sum", period: 300, dimension: "FunctionName", target: () => functionRef("authorizer") },
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
    },
    { name: "api-5xx-rate", rateOf: "5xx", comparison: "GreaterThanThreshold", threshold: THRESHOLDS.api5xxPercent, evaluationPeriods: 1 },
    { name: "api-4xx-rate", rateOf: "4xx", comparison: "GreaterThanThreshold", threshold: THRESHOLDS.api4xxPercent, evaluationPeriods: 3 },
    {
      name: "indexer-throttled",
      metric: { namespace: "AWS/Lambda", name: "Throttles", statistic: "Sum", period: 300, dimension: "FunctionName", target: () => functionRef("indexer") },
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
    },
    {
      name: "authorizer-throttled",
      metric: { namespace: "AWS/Lambda", name: "Throttles", statistic: "Sum", period: 300, dimension: "FunctionName", target: () => functionRef("authorizer") },
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
    },
  ];
  const alarms = () => Object.values(resources(t.Monitoring, "AWS::CloudWatch::Alarm")).map((a) => a.Properties as Json);
  const alarmNamed = (name: string) => {
    const found = alarms().filter((a) => a.AlarmName === `test-media-storage-${name}`);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };

  it("has exactly the alarms of the runbook, each named for what it means and described", () => {
    expect(alarms().map((a) => a.AlarmName).sort()).toEqual(EXPECTED.map((e) => `test-media-storage-${e.name}`).sort());
    const runbook = fs.readFileSync(path.join(REPO_ROOT, "docs/operations.md"), "utf8");
    for (const e of EXPECTED) {
      const a = alarmNamed(e.name);
      expect(a.AlarmDescription.length, e.name).toBeGreaterThan(60);
      expect(a.AlarmDescription, e.name).toContain(`docs/operations.md#${e.name}`);
      // The anchor the description points at exists.
      expect(runbook, e.name).toMatch(new RegExp(`^## ${e.name}$`, "m"));
    }
  });

  it("sends every alarm, and its all-clear, to the alerts topic", () => {
    const [topicId] = only(t.Monitoring, "AWS::SNS::Topic");
    for (const e of EXPECTED) {
      const a = alarmNamed(e.name);
      expect(a.AlarmActions, e.name).toEqual([{ Ref: topicId }]);
      expect(a.OKActions, e.name).toEqual([{ Ref: topicId }]);
      expect(a.InsufficientDataActions, e.name).toBeUndefined();
    }
  });

  it("watches the right metric of the right resource, with its threshold, and treats missing data as not breaching", () => {
    const [apiId] = only(t.Api, "AWS::ApiGatewayV2::Api");
    for (const e of EXPECTED) {
      const a = alarmNamed(e.name);
      expect(a.ComparisonOperator, e.name).toBe(e.comparison);
      expect(a.Threshold, e.name).toBe(e.threshold);
      expect(a.EvaluationPeriods, e.name).toBe(e.evaluationPeriods);
      expect(a.DatapointsToAlarm, e.name).toBe(e.evaluationPeriods);
      // No data is no errors, no throttles, an empty or idle queue.
      expect(a.TreatMissingData, e.name).toBe("notBreaching");
      if (e.metric) {
        expect(a, e.name).toMatchObject({ Namespace: e.metric.namespace, MetricName: e.metric.name, Statistic: e.metric.statistic, Period: e.metric.period });
        expect(a.Dimensions, e.name).toHaveLength(1);
        expect(a.Dimensions[0].Name, e.name).toBe(e.metric.dimension);
        expect(exported(a.Dimensions[0].Value), e.name).toEqual(e.metric.target());
      } else {
        const metrics = a.Metrics as Json[];
        const expression = metrics.find((m) => m.Expression);
        const minRequests = e.rateOf === "5xx" ? THRESHOLDS.api5xxMinRequests : THRESHOLDS.api4xxMinRequests;
        expect(expression, e.name).toMatchObject({ Expression: `IF(requests >= ${minRequests}, 100 * errors / requests, 0)`, ReturnData: true });
        const stat = (id: string) => metrics.find((m) => m.Id === id)!.MetricStat;
        expect(stat("errors").Metric.MetricName, e.name).toBe(e.rateOf);
        expect(stat("requests").Metric.MetricName, e.name).toBe("Count");
        for (const id of ["errors", "requests"]) {
          expect(stat(id), e.name).toMatchObject({ Period: 300, Stat: "Sum", Metric: { Namespace: "AWS/ApiGateway" } });
          expect(stat(id).Metric.Dimensions, e.name).toHaveLength(1);
          expect(stat(id).Metric.Dimensions[0].Name).toBe("ApiId");
          expect(exported(stat(id).Metric.Dimensions[0].Value), e.name).toEqual({ Ref: apiId });
        }
      }
    }
  });

  it("lets only this account's CloudWatch alarms publish to the TLS-only alerts topic", () => {
    const [topicId] = only(t.Monitoring, "AWS::SNS::Topic");
    const [, policy] = only(t.Monitoring, "AWS::SNS::TopicPolicy");
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    expect(statements.find((s) => s.Effect === "Deny")?.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    const allow = statements.filter((s) => s.Effect === "Allow");
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: { Ref: topicId } });
    expect(allow[0]!.Condition?.StringEquals).toEqual({ "aws:SourceAccount": "123456789012" });
  });

  it("subscribes nobody when ALERTS_EMAIL is unset, and says so", () => {
    t.Monitoring.resourceCountIs("AWS::SNS::Subscription", 0);
    expect(warningsOf(app, "Monitoring").filter((w) => w.includes("ALERTS_EMAIL is not set"))).toHaveLength(1);
    expect(t.Monitoring.findOutputs("AlertsEmail").AlertsEmail?.Value).toMatch(/^none: set ALERTS_EMAIL/);
  });

  it("has a dashboard with the API, Lambda, queue and custom figures", () => {
    const [, dashboard] = only(t.Monitoring, "AWS::CloudWatch::Dashboard");
    expect(dashboard.Properties.DashboardName).toBe("test-media-storage");
    // The body is a JSON string joined around tokens; each token goes back in as the JSON of itself.
    const parts = dashboard.Properties.DashboardBody["Fn::Join"][1] as unknown[];
    const body = JSON.parse(parts.map((p) => (typeof p === "string" ? p : JSON.stringify(JSON.stringify(p)).slice(1, -1))).join("")) as {
      widgets: { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[] } }[];
    };
    const metrics = body.widgets.flatMap((w) => w.properties.metrics ?? []);
    const plain = metrics.filter((m) => typeof m[0] === "string") as [string, string, ...unknown[]][];
    const stats = (namespace: string, name: string) =>
      plain.filter((m) => m[0] === namespace && m[1] === name).map((m) => (m.at(-1) as { stat: string }).stat);

    // The API: requests, 4xx, 5xx, latency p50 and p99.
    expect(stats("AWS/ApiGateway", "Count")).toEqual(["Sum"]);
    expect(stats("AWS/ApiGateway", "4xx")).toEqual(["Sum"]);
    expect(stats("AWS/ApiGateway", "5xx")).toEqual(["Sum"]);
    expect(stats("AWS/ApiGateway", "Latency").sort()).toEqual(["p50", "p99"]);
    // Every one of our functions: errors, duration, throttles.
    const functionNames = (name: string) =>
      plain.filter((m) => m[0] === "AWS/Lambda" && m[1] === name).map((m) => exported(JSON.parse(m[3] as string) as Json) as Json);
    const ours = ourFunctions().map((f) => ({ Ref: f.logicalId }));
    for (const name of ["Errors", "Duration", "Throttles"]) {
      expect(functionNames(name), name).toHaveLength(ours.length);
      expect(functionNames(name), name).toEqual(expect.arrayContaining(ours));
    }
    // The index queue's depth and age, and the dead-letter queue's depth.
    const queueOf = (name: string) => plain.filter((m) => m[0] === "AWS/SQS" && m[1] === name).map((m) => exported(JSON.parse(m[3] as string) as Json));
    const queue = { "Fn::GetAtt": [Object.keys(resources(t.Storage, "AWS::SQS::Queue")).find((id) => id.startsWith("UploadEvents"))!, "QueueName"] };
    const dlq = { "Fn::GetAtt": [Object.keys(resources(t.Storage, "AWS::SQS::Queue")).find((id) => id.startsWith("IndexerDeadLetters"))!, "QueueName"] };
    expect(queueOf("ApproximateNumberOfMessagesVisible")).toEqual(expect.arrayContaining([queue, dlq]));
    expect(queueOf("ApproximateAgeOfOldestMessage")).toEqual([queue]);
    // The functions' own EMF metrics, found by a search whatever their dimensions.
    const searches = metrics.flatMap((m) => m.filter((x): x is { expression: string } => typeof x === "object" && x !== null && "expression" in x)).map((x) => x.expression);
    for (const [name, stat] of Object.entries(CUSTOM_METRICS)) {
      expect(searches, name).toContain(`SEARCH('Namespace="${CUSTOM_NAMESPACE}" MetricName="${name}" stage="test"', '${stat}', 300)`);
    }
    for (const stat of ["p50", "p99"]) {
      for (const metric of [INDEX_LATENCY_METRIC, RENDITION_SECONDS_METRIC]) {
        expect(searches).toContain(`SEARCH('Namespace="${CUSTOM_NAMESPACE}" MetricName="${metric}" stage="test"', '${stat}', 300)`);
      }
    }
    // And the alarms' states at the top.
    const alarmWidget = body.widgets.find((w) => w.type === "alarm")!;
    expect(alarmWidget.properties.alarms).toHaveLength(EXPECTED.length);
  });
});

// ---------- what CDK and SST add on their own ----------

describe("helpers added by SST and CDK", () => {
  /** Every Lambda function that is not ours, by what it is. */
  const helpers = () =>
    allTemplates().flatMap(([stack, template]) =>
      Object.entries(resources(template, "AWS::Lambda::Function"))
        .filter(([, r]) => !String(r.Properties.Handler).startsWith(FUNCTIONS_SRC))
        .map(([logicalId, r]) => ({ stack, logicalId, runtime: r.Properties.Runtime as string })),
    );

  it("are SST's per-stack custom-resource handler, CDK's bucket-notifications handler and auto-delete providers (media: non-prod; site: always)", () => {
    const kinds = helpers().map((h) => `${h.stack}/${h.logicalId.replace(/[0-9A-F]{8}$/, "")}`);
    expect(kinds.sort()).toEqual(
      [
        ...(Object.keys(STACKS) as StackName[]).map((s) => `${s}/CustomResourceHandler`),
        "Storage/BucketNotificationsHandler050a0587b7544547bf325f094a3db834",
        "Storage/CustomS3AutoDeleteObjectsCustomResourceProviderHandler",
        // The site bucket holds only the build, which every deploy uploads again.
        "WebHosting/CustomS3AutoDeleteObjectsCustomResourceProviderHandler",
      ].sort(),
    );
  });

  it("grant nothing on '*' in any identity policy of any stack", () => {
    for (const [stack, template] of allTemplates()) {
      for (const policy of Object.values(resources(template, "AWS::IAM::Policy"))) {
        for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
          for (const resource of resourcesOf(s)) expect(resource, stack).not.toBe("*");
          for (const action of actionsOf(s)) expect(action, stack).not.toBe("*");
        }
      }
    }
  });

  it("use '*' principals only in Deny statements (the TLS-only rules of bucket, queues and topic)", () => {
    const types = ["AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"];
    for (const [stack, template] of allTemplates()) {
      for (const type of types) {
        for (const policy of Object.values(resources(template, type))) {
          for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
            const open = s.Principal === "*" || (s.Principal as Json | undefined)?.AWS === "*";
            if (open) expect(s.Effect, `${stack} ${type}`).toBe("Deny");
          }
        }
      }
    }
  });
});

// ---------- production stage ----------

describe("prod stage (synthesized without bundling)", () => {
  let prod: Synthesized;
  const p = {} as Record<StackName, Template>;

  beforeAll(async () => {
    isolateEnv({
      WEB_ORIGIN: "https://media.example.com",
      WEB_CERTIFICATE_ARN: PROD_CERTIFICATE,
      MAX_FILE_BYTES: "104857600",
      QUOTA_BYTES: "1073741824",
      ALERTS_EMAIL: "ops@example.com",
      TRACING: "",
    });
    prod = await synthesize({ stage: "prod", bundle: false });
    for (const name of Object.keys(STACKS) as StackName[]) p[name] = Template.fromStack(prod.stacks[name]);
  });

  afterAll(async () => {
    await prod?.cleanup();
    delete process.env.WEB_ORIGIN;
    delete process.env.MAX_FILE_BYTES;
    delete process.env.QUOTA_BYTES;
    delete process.env.WEB_CERTIFICATE_ARN;
    delete process.env.ALERTS_EMAIL;
  });

  it("retains and protects the table, the bucket and the user pool", () => {
    for (const [stack, type] of [
      ["Storage", "AWS::DynamoDB::Table"],
      ["Storage", "AWS::S3::Bucket"],
      ["Auth", "AWS::Cognito::UserPool"],
    ] as const) {
      const [, r] = only(p[stack], type);
      expect(r.DeletionPolicy, type).toBe("Retain");
      expect(r.UpdateReplacePolicy, type).toBe("Retain");
    }
    p.Storage.hasResourceProperties("AWS::DynamoDB::Table", { DeletionProtectionEnabled: true });
    p.Auth.hasResourceProperties("AWS::Cognito::UserPool", { DeletionProtection: "ACTIVE" });
    p.Storage.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
  });

  it("traces every function with X-Ray, whose two write actions are the only grant on *", () => {
    let count = 0;
    for (const stack of Object.keys(STACKS) as StackName[]) {
      for (const r of Object.values(resources(p[stack], "AWS::Lambda::Function"))) {
        // Unbundled, the handler is SST's placeholder: ours are told apart by their description.
        if (!String(r.Properties.Description).startsWith("media-storage ")) continue;
        count++;
        const module = String(r.Properties.Description);
        expect(r.Properties.TracingConfig, module).toEqual({ Mode: "Active" });
        expect(r.Properties.Environment.Variables, module).toMatchObject({ STAGE: "prod", POWERTOOLS_TRACE_ENABLED: "true", POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false" });
        const statements = roleStatements(p[stack], r.Properties.Role["Fn::GetAtt"][0]);
        const onEverything = statements.filter((s) => resourcesOf(s).includes("*"));
        expect(onEverything.flatMap(actionsOf).sort(), module).toEqual(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
      }
    }
    expect(count).toBe(new Set(ROUTES.map((r) => r.handler)).size + 4); // the routes, the authorizer, the indexer, the renditions, the sweep
  });

  it("takes the web origin and the limits from the deploying environment", () => {
    // The custom domain, and the CloudFront domain the site also answers on.
    const [, bucket] = only(p.Storage, "AWS::S3::Bucket");
    expect(bucket.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(["https://media.example.com", siteOrigin(p)]);
    const [, api] = only(p.Api, "AWS::ApiGatewayV2::Api");
    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual(["https://media.example.com", siteOrigin(p)]);
    p.Api.hasResourceProperties("AWS::Lambda::Function", {
      Description: "media-storage api/upload",
      Environment: { Variables: Match.objectLike({ MAX_FILE_BYTES: "104857600", QUOTA_BYTES: "1073741824" }) },
    });
  });

  it("serves the site on the WEB_ORIGIN host with the given certificate", () => {
    const [, distribution] = only(p.WebHosting, "AWS::CloudFront::Distribution");
    expect(distribution.Properties.DistributionConfig.Aliases).toEqual(["media.example.com"]);
    expect(distribution.Properties.DistributionConfig.ViewerCertificate).toMatchObject({
      AcmCertificateArn: PROD_CERTIFICATE,
      SslSupportMethod: "sni-only",
      MinimumProtocolVersion: expect.stringMatching(/^TLSv1\.2/),
    });
  });

  it("emails the alerts to ALERTS_EMAIL, and says nothing is missing", () => {
    const [topicId] = only(p.Monitoring, "AWS::SNS::Topic");
    const [, subscription] = only(p.Monitoring, "AWS::SNS::Subscription");
    expect(subscription.Properties).toEqual({ Protocol: "email", Endpoint: "ops@example.com", TopicArn: { Ref: topicId } });
    expect(warningsOf(prod, "Monitoring").filter((w) => w.includes("ALERTS_EMAIL"))).toEqual([]);
    expect(p.Monitoring.findOutputs("AlertsEmail")).toMatchObject({ AlertsEmail: { Value: "ops@example.com" } });
  });
});

// ---------- the indexer's native modules ----------

describe("indexer bundle", () => {
  const assetDir = (f: OurFunction) => path.join(app.assembly.directory, `asset.${String(f.props.Code.S3Key).replace(/\.zip$/, "")}`);
  // The entry and its chunks (code splitting): an import may sit in any of them.
  const code = (f: OurFunction) =>
    fs
      .readdirSync(path.join(assetDir(f), path.dirname(f.props.Handler)))
      .filter((name) => name.endsWith(".mjs"))
      .map((name) => fs.readFileSync(path.join(assetDir(f), path.dirname(f.props.Handler), name), "utf8"))
      .join("\n");
  // esbuild's ESM output for an external import, minified or not: `from"sharp"` / `import("sharp")`.
  const importsSharp = (js: string) => /from\s*["']sharp["']|import\(\s*["']sharp["']\s*\)/.test(js);

  it("keeps sharp external, bundles file-type and music-metadata, and plans sharp's install for the function's own platform", () => {
    const indexer = fn("indexer");
    expect(indexer.props.Architectures).toEqual(["arm64"]);
    const js = code(indexer);
    expect(importsSharp(js)).toBe(true);
    // Pure-JS parsers are bundled: no import of them is left for node_modules to satisfy.
    expect(js).not.toMatch(/from\s*["'](file-type|music-metadata|strtok3)["']/);

    const manifest = JSON.parse(fs.readFileSync(path.join(assetDir(indexer), MANIFEST), "utf8")) as NativeModulesManifest;
    // Offline synthesis plans the install; `sst deploy` runs it (and then records `installed`).
    expect(manifest.mode).toBe("plan");
    expect(manifest.installed).toBeUndefined();
    expect(INDEXER_NATIVE_MODULES).toEqual(["sharp", "heic-decode"]);
    // The version the tests here ran against, for Lambda's platform: linux, arm64 (the function's
    // architecture), glibc (Amazon Linux 2023), with the optional per-platform binary packages.
    expect(manifest.packages).toEqual({ sharp: installedVersion("sharp", REPO_ROOT), "heic-decode": installedVersion("heic-decode", REPO_ROOT) });
    expect(manifest).toMatchObject({ os: "linux", cpu: "arm64", libc: "glibc" });
    expect(manifest.npmArgs).toEqual(
      expect.arrayContaining(["install", "--os=linux", "--cpu=arm64", "--libc=glibc", "--include=optional", "--omit=dev", "--ignore-scripts", `sharp@${manifest.packages.sharp}`, `heic-decode@${manifest.packages["heic-decode"]}`]),
    );
    expect(manifest.expect).toEqual(["@img/sharp-linux-arm64", "@img/sharp-libvips-linux-arm64"]);

    // SST's own install (which would pin sharp@0.32.6 with --omit=optional) was given nothing to do.
    const sstPackage = JSON.parse(fs.readFileSync(path.join(assetDir(indexer), "package.json"), "utf8")) as { dependencies?: object };
    expect(sstPackage.dependencies ?? {}).toEqual({});
  });

  it("installs sharp and the ffmpeg binary for arm64 beside the renditions function", () => {
    const renditions = fn("renditions");
    expect(importsSharp(code(renditions))).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(assetDir(renditions), MANIFEST), "utf8")) as NativeModulesManifest;
    expect(RENDITIONS_NATIVE_MODULES).toEqual(["sharp", "heic-decode", "@ffmpeg-installer/ffmpeg"]);
    expect(manifest.packages["@ffmpeg-installer/ffmpeg"]).toBe(installedVersion("@ffmpeg-installer/ffmpeg", REPO_ROOT));
    expect(manifest).toMatchObject({ os: "linux", cpu: "arm64", libc: "glibc" });
    expect(manifest.expect).toEqual(["@img/sharp-linux-arm64", "@img/sharp-libvips-linux-arm64", "@ffmpeg-installer/linux-arm64"]);
    expect(renditions.props).toMatchObject({ Timeout: RENDITION_SETTINGS.timeoutSeconds, MemorySize: RENDITION_SETTINGS.memoryMB, EphemeralStorage: { Size: RENDITION_SETTINGS.ephemeralStorageMB } });
  });

  it("loads sharp in no other function", () => {
    for (const f of ourFunctions().filter((x) => x.module !== "indexer" && x.module !== "renditions")) {
      expect(importsSharp(code(f)), f.module).toBe(false);
      expect(fs.existsSync(path.join(assetDir(f), MANIFEST)), f.module).toBe(false);
    }
  });
});
