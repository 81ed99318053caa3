import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { INagLogger } from "cdk-nag";
import { ACCEPTED_EVERYWHERE, ACCEPTED_ON, checkAwsSolutions } from "./nag";
import { setStageEnv } from "./stage-env";
import { STACKS, synthesize, type StackName, type Synthesized } from "./synth";

/**
 * cdk-nag's AwsSolutions pack on the prod stage, synthesized as `sst deploy --stage prod` would with the
 * settings a production deploy has (custom domain, alarm email, tracing on). Every finding is either fixed
 * in the stacks or accepted with its reason in nag.ts: anything else fails here.
 */

const PROD_ENV = {
  WEB_ORIGIN: "https://media.example.com",
  WEB_CERTIFICATE_ARN: "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
  ALERTS_EMAIL: "ops@example.com",
  TRACING: "on",
};

let prod: Synthesized;
/** Every outcome cdk-nag reported, by kind: "<rule> <construct path>". */
const outcomes = { compliant: [] as string[], failed: [] as string[], accepted: [] as string[], errors: [] as string[] };
const recorder: INagLogger = {
  onCompliance: (d) => outcomes.compliant.push(`${d.ruleId} ${d.resource.node.path}`),
  onNonCompliance: (d) => outcomes.failed.push(`${d.ruleId}[${d.findingId}] ${d.resource.node.path}`),
  onSuppressed: (d) => outcomes.accepted.push(`${d.ruleId}[${d.findingId}] ${d.resource.node.path}`),
  onError: (d) => outcomes.errors.push(`${d.ruleId} ${d.resource.node.path}: ${d.errorMessage}`),
  onSuppressedError: (d) => outcomes.errors.push(`${d.ruleId} ${d.resource.node.path}: ${d.errorMessage}`),
  onNotApplicable: () => undefined,
};
let restoreEnv: () => void = () => undefined;

beforeAll(async () => {
  restoreEnv = setStageEnv(PROD_ENV);
  prod = await synthesize({ stage: "prod", bundle: false, beforeSynth: (app) => checkAwsSolutions(app, recorder) });
});

afterAll(async () => {
  await prod?.cleanup();
  restoreEnv();
});

describe("cdk-nag AwsSolutions on the prod stage", () => {
  it("has no finding that is neither fixed nor accepted with a reason", () => {
    const findings = prod.assembly.stacks.flatMap((stack) =>
      stack.messages
        .filter((m) => (m.level === "error" || m.level === "warning") && String(m.entry.data).startsWith("AwsSolutions-"))
        .map((m) => `${m.id}: ${String(m.entry.data).split(":")[0]}`),
    );
    expect(findings).toEqual([]);
  });

  it("checked every resource, failed none, and could evaluate every rule", () => {
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.errors).toEqual([]);
    // The rules that passed: encryption, SSL only, public access blocked, dead-letter queues, password policy...
    expect(outcomes.compliant.length).toBeGreaterThan(50);
  });

  it("accepts nothing it does not need: every accepted finding still occurs", () => {
    const ruleIds = [...ACCEPTED_EVERYWHERE, ...Object.values(ACCEPTED_ON)].map((s) => s.id);
    for (const id of new Set(ruleIds)) {
      expect(outcomes.accepted.some((a) => a.startsWith(id)), id).toBe(true);
    }
  });

  it("grants nothing on '*' but X-Ray's write actions", () => {
    for (const name of Object.keys(STACKS) as StackName[]) {
      const policies = Template.fromStack(prod.stacks[name]).findResources("AWS::IAM::Policy");
      for (const [id, policy] of Object.entries(policies)) {
        const statements = (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
          .Properties.PolicyDocument.Statement;
        for (const statement of statements.filter((s) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*")))) {
          const actions = [statement.Action].flat();
          expect(actions.every((a) => a.startsWith("xray:")), `${name}/${id}: ${actions.join(", ")}`).toBe(true);
        }
      }
    }
  });

  it("logs every access to the media bucket, the site bucket and the CDN", () => {
    const hosting = Template.fromStack(prod.stacks.WebHosting);
    const [logBucketId] = Object.keys(hosting.findResources("AWS::S3::Bucket", { Properties: { OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] } } }));
    expect(logBucketId).toBeDefined();
    hosting.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: { Logging: { Bucket: { "Fn::GetAtt": [logBucketId, "RegionalDomainName"] }, Prefix: "cloudfront/site/" } },
    });
    hosting.hasResourceProperties("AWS::S3::Bucket", { LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: "s3/site/" } });
    Template.fromStack(prod.stacks.Storage).hasResourceProperties("AWS::S3::Bucket", {
      LoggingConfiguration: { LogFilePrefix: "s3/media/" },
    });
  });
});
