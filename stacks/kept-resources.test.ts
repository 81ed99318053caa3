import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keptResources } from "./kept-resources";
import { setStageEnv } from "./stage-env";
import { synthesize, type Synthesized } from "./synth";

const KEPT = {
  KEPT_TABLE_NAME: "prod-media-storage-Files",
  KEPT_BUCKET_NAME: "prod-media-storage-storage-mediabucket4022ebbf-1x2y3z4w5v6u",
  KEPT_USER_POOL_ID: "us-east-1_AbCdEf123",
  KEPT_CURSOR_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:CursorSecret63F3B3C0-Xy1Zw2vU3tS4-AbCdEf",
};

describe("keptResources", () => {
  it("reads what a prod stage names and nothing when unset", () => {
    expect(keptResources({}, true)).toEqual({});
    expect(keptResources(KEPT, true)).toEqual({
      tableName: KEPT.KEPT_TABLE_NAME,
      bucketName: KEPT.KEPT_BUCKET_NAME,
      userPoolId: KEPT.KEPT_USER_POOL_ID,
      cursorSecretArn: KEPT.KEPT_CURSOR_SECRET_ARN,
    });
  });

  it("refuses malformed names with the variable's name, and any of them outside prod", () => {
    expect(() => keptResources({ KEPT_BUCKET_NAME: "My_Bucket" }, true)).toThrow(/KEPT_BUCKET_NAME/);
    expect(() => keptResources({ KEPT_USER_POOL_ID: "AbCdEf123" }, true)).toThrow(/KEPT_USER_POOL_ID/);
    // A partial secret ARN (no 6-character suffix) cannot be resolved by a dynamic reference.
    expect(() => keptResources({ KEPT_CURSOR_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:CursorSecret" }, true)).toThrow(
      /KEPT_CURSOR_SECRET_ARN/,
    );
    expect(() => keptResources({ KEPT_TABLE_NAME: "dev-media-storage-Files" }, false)).toThrow(/only apply to the prod stage/);
  });
});

describe("prod deployed again after `sst remove`, re-attaching what was kept", () => {
  let prod: Synthesized;
  const templates = {} as Record<"Storage" | "Auth" | "Api" | "Indexer", Template>;
  let restoreEnv: () => void = () => undefined;

  beforeAll(async () => {
    const env = { ...KEPT, WEB_ORIGIN: "https://media.example.com", TRACING: "off" };
    restoreEnv = setStageEnv(env);
    prod = await synthesize({ stage: "prod", bundle: false });
    for (const name of ["Storage", "Auth", "Api", "Indexer"] as const) templates[name] = Template.fromStack(prod.stacks[name]);
  });

  afterAll(async () => {
    await prod?.cleanup();
    restoreEnv();
  });

  it("creates no table, media bucket, user pool or secret: the names from the last deploy are used", () => {
    templates.Storage.resourceCountIs("AWS::DynamoDB::Table", 0);
    templates.Storage.resourceCountIs("AWS::S3::Bucket", 0);
    templates.Storage.resourceCountIs("AWS::SecretsManager::Secret", 0);
    templates.Auth.resourceCountIs("AWS::Cognito::UserPool", 0);
  });

  it("points the functions at the kept table, bucket, pool and secret", () => {
    const env = Object.values(templates.Api.findResources("AWS::Lambda::Function"))
      .map((f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {})
      .find((v) => v.TABLE_NAME !== undefined);
    const text = JSON.stringify(env);
    expect(text).toContain(KEPT.KEPT_TABLE_NAME);
    expect(text).toContain(KEPT.KEPT_BUCKET_NAME);
    expect(text).toContain(`{{resolve:secretsmanager:${KEPT.KEPT_CURSOR_SECRET_ARN}:SecretString:::}}`);
    // The app client is created anew, on the kept pool.
    templates.Auth.hasResourceProperties("AWS::Cognito::UserPoolClient", { UserPoolId: KEPT.KEPT_USER_POOL_ID });
  });

  it("grants on the kept resources and sends the kept bucket's events to the new queue", () => {
    const grants = JSON.stringify(templates.Indexer.findResources("AWS::IAM::Policy"));
    expect(grants).toContain(`:table/${KEPT.KEPT_TABLE_NAME}`);
    expect(grants).toContain(`:s3:::${KEPT.KEPT_BUCKET_NAME}/users/*`);
    templates.Storage.hasResourceProperties("Custom::S3BucketNotifications", {
      BucketName: KEPT.KEPT_BUCKET_NAME,
      NotificationConfiguration: { QueueConfigurations: [{ Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "users/" }] } } }] },
      // An attached bucket may have other notifications: CDK then merges its own instead of replacing them.
      Managed: false,
    });
  });

  it("sets the app's CORS rules on the kept bucket through S3's API, since CloudFormation does not own it", () => {
    const [resource] = Object.values(templates.Storage.findResources("Custom::AWS")) as { Properties: { Create: unknown } }[];
    const create = JSON.stringify(resource?.Properties.Create);
    expect(create).toContain("putBucketCors");
    expect(create).toContain(KEPT.KEPT_BUCKET_NAME);
    expect(create).toContain("https://media.example.com");
    expect(JSON.stringify(templates.Storage.findResources("AWS::IAM::Policy"))).toContain("s3:PutBucketCORS");
  });
});
