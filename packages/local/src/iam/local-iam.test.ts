import { describe, expect, it } from "vitest";
import { requireEventSourceGrants } from "./event-source";
import { credentialSource, invokeAs } from "./invocations";
import { committedPolicies, LocalIam } from "./local-iam";

const admin = { accessKeyId: "LOCALADMIN", secretAccessKey: "admin-secret" };
const resources = {
  region: "us-east-1",
  accountId: "000000000000",
  arns: {
    "AWS::S3::Bucket": "arn:aws:s3:::media-local",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:us-east-1:000000000000:table/media-local",
    "AWS::SNS::Topic": "arn:aws:sns:us-east-1:000000000000:media-events",
    "AWS::SQS::Queue": "arn:aws:sqs:us-east-1:000000000000:media-index",
    "AWS::Cognito::UserPool": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_LocalPool",
  },
};

describe("the local IAM", () => {
  it("gives each function of the stacks its own stable key, different from the admin's and from each other's", () => {
    const iam = new LocalIam({ admin, resources });
    const again = new LocalIam({ admin, resources });
    const upload = iam.credentialsFor("api/upload");
    expect(upload).toEqual(again.credentialsFor("api/upload"));
    expect(upload.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(upload.accessKeyId).not.toBe(iam.credentialsFor("indexer").accessKeyId);
    expect(new LocalIam({ admin: { ...admin, secretAccessKey: "another" }, resources }).credentialsFor("api/upload")).not.toEqual(upload);
    expect(() => iam.credentialsFor("api/nothing")).toThrow(/no function api\/nothing/);
    expect(() => iam.credentialsFor("admin")).toThrow();
    expect(iam.principalOf(admin.accessKeyId)?.name).toBe("admin");
  });

  it("holds each function to its role's synthesized policy, with the placeholders filled by the local resources", () => {
    const iam = new LocalIam({ admin, resources });
    const key = iam.credentialsFor("api/upload").accessKeyId;
    expect(iam.allows(key, { action: "s3:PutObject", resource: "arn:aws:s3:::media-local/users/u/f" })).toBe(true);
    expect(iam.allows(key, { action: "s3:PutObject", resource: "arn:aws:s3:::media-local/derived/u/f" })).toBe(false);
    expect(iam.authorize(key, { action: "sns:Publish", resource: resources.arns["AWS::SNS::Topic"] })).toMatchObject({
      allowed: false,
      message: "User: arn:aws:sts::000000000000:assumed-role/media-local-api-upload/media-local-api-upload is not authorized to perform: sns:Publish on resource: arn:aws:sns:us-east-1:000000000000:media-events because no identity-based policy allows the sns:Publish action",
    });
    expect(() => new LocalIam({ admin, resources: { ...resources, arns: {} } })).toThrow(/variable/);
  });

  it("signs an invocation's calls with its function's key, and nothing outside an invocation unless told", async () => {
    const iam = new LocalIam({ admin, resources });
    const strict = credentialSource(iam);
    expect(await invokeAs("indexer", async () => strict())).toEqual(iam.credentialsFor("indexer"));
    expect(() => strict()).toThrow(/outside any function's invocation/);
    expect(credentialSource(iam, admin)()).toEqual(admin);
  });

  it("lets the indexer consume its queue only while its role holds the event source's SQS actions", () => {
    const queue = resources.arns["AWS::SQS::Queue"];
    expect(() => requireEventSourceGrants(new LocalIam({ admin, resources }), "indexer", queue)).not.toThrow();
    const policies = committedPolicies();
    policies.indexer = policies.indexer!.map((s) => ({ ...s, Action: [s.Action ?? []].flat().filter((a) => a !== "sqs:DeleteMessage") }));
    expect(() => requireEventSourceGrants(new LocalIam({ admin, resources, policies }), "indexer", queue)).toThrow(/lacks sqs:DeleteMessage/);
  });
});
