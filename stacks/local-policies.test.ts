import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_POLICIES_FILE, LOCAL_SYNTH_ENV, localPolicies, renderLocalPolicies, type Templates } from "./local-policies";
import { REPO_ROOT, STACKS, synthesize, templateOf, type StackName, type Synthesized } from "./synth";

/**
 * The policies the local runtime enforces (packages/local/src/iam/function-policies.json) are the
 * synthesized stacks' own: synthesized again here (without bundling: roles and policies are the same),
 * the committed file must be exactly what `npm run policies` would write.
 */
let app: Synthesized;
let templates: Templates;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  // No credentials, and any AWS lookup fails at once: the synthesis is offline. TRACING off (X-Ray is not played locally anyway).
  for (const key of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "TRACING", ...Object.keys(LOCAL_SYNTH_ENV)]) saved[key] = process.env[key];
  for (const key of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) delete process.env[key];
  process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
  process.env.TRACING = "off";
  Object.assign(process.env, LOCAL_SYNTH_ENV);
  app = await synthesize({ stage: "local", bundle: false });
  templates = Object.fromEntries((Object.keys(STACKS) as StackName[]).map((name) => [name, templateOf(app, name)]));
});

afterAll(async () => {
  await app?.cleanup();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe("the local runtime's IAM policies", () => {
  it("are the synthesized stacks' (run `npm run policies` after changing a grant)", () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, LOCAL_POLICIES_FILE), "utf8");
    expect(committed).toBe(renderLocalPolicies(localPolicies(templates)));
  });

  it("cover every function, each naming its resources by placeholder, with the logs grants left out", () => {
    const { functions } = localPolicies(templates);
    expect(Object.keys(functions)).toContain("indexer");
    expect(Object.keys(functions)).toContain("authorizer");
    const text = JSON.stringify(functions);
    expect(text).not.toContain("logs:");
    expect(text).not.toMatch(/arn:aws:(s3|dynamodb|sns|sqs|cognito-idp):/);
    expect(functions["api/upload"]).toContainEqual({ Effect: "Allow", Action: ["s3:PutObject"], Resource: ["${AWS::S3::Bucket}/users/*"] });
    // The local stage has SES (LOCAL_SYNTH_ENV): the notice sender's grant is there for the local SES to check.
    expect(functions["api/verify-email"]).toContainEqual({
      Effect: "Allow",
      Action: ["ses:SendEmail"],
      Resource: ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/no-reply@media.local"],
    });
  });

  it("refuse a template whose policy they cannot resolve", () => {
    const broken = structuredClone(templates);
    const policy = Object.values(broken.Indexer!.Resources as Record<string, { Type: string; Properties: { PolicyDocument: { Statement: unknown[] } } }>).find((r) => r.Type === "AWS::IAM::Policy")!;
    policy.Properties.PolicyDocument.Statement.push({ Effect: "Allow", Action: "s3:GetObject", Resource: { "Fn::Sub": "arn:aws:s3:::x/*" } });
    expect(() => localPolicies(broken)).toThrow(/indexer: cannot resolve/);
  });
});
