import { describe, expect, it } from "vitest";
import { Policy, wildcardMatch, type PolicyStatement } from "./policy";

const bucket = "arn:aws:s3:::media";
const allow = (s: Omit<PolicyStatement, "Effect">): PolicyStatement => ({ Effect: "Allow", ...s });

describe("IAM policy evaluation", () => {
  it("allows what a statement names, with action wildcards matched case-insensitively and resource wildcards across '/'", () => {
    const policy = new Policy([allow({ Action: ["s3:Get*"], Resource: [`${bucket}/users/*`] }), allow({ Action: "dynamodb:getitem", Resource: "arn:aws:dynamodb:*:000000000000:table/t" })], []);
    expect(policy.decide({ action: "s3:GetObject", resource: `${bucket}/users/a/b` })).toBe("allow");
    expect(policy.decide({ action: "S3:GETOBJECT", resource: `${bucket}/users/a` })).toBe("allow");
    expect(policy.decide({ action: "s3:PutObject", resource: `${bucket}/users/a` })).toBe("implicit-deny");
    expect(policy.decide({ action: "s3:GetObject", resource: `${bucket}/derived/a` })).toBe("implicit-deny");
    // Resource ARNs are case-sensitive; a region wildcard does not reach into the account field.
    expect(policy.decide({ action: "s3:GetObject", resource: `${bucket}/USERS/a` })).toBe("implicit-deny");
    expect(policy.decide({ action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:000000000000:table/t" })).toBe("allow");
    expect(policy.decide({ action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/i" })).toBe("implicit-deny");
    expect(policy.decide({ action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:111111111111:table/t" })).toBe("implicit-deny");
  });

  it("lets an explicit Deny win, and reads NotAction and NotResource", () => {
    const policy = new Policy(
      [allow({ NotAction: ["s3:DeleteObject"], Resource: [`${bucket}/*`] }), { Effect: "Deny", Action: ["s3:*"], NotResource: [`${bucket}/users/*`] }],
      [],
    );
    expect(policy.decide({ action: "s3:GetObject", resource: `${bucket}/users/x` })).toBe("allow");
    expect(policy.decide({ action: "s3:DeleteObject", resource: `${bucket}/users/x` })).toBe("implicit-deny");
    expect(policy.decide({ action: "s3:GetObject", resource: `${bucket}/derived/x` })).toBe("explicit-deny");
  });

  it("evaluates string conditions as IAM does: absent keys, IfExists, negation and multi-valued keys", () => {
    const list = (condition: PolicyStatement["Condition"]) => new Policy([allow({ Action: ["s3:ListBucket"], Resource: [bucket], Condition: condition })], ["s3:prefix"]);
    const like = list({ StringLike: { "s3:prefix": ["derived/*"] } });
    expect(like.allows({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "derived/u/" } })).toBe(true);
    expect(like.allows({ action: "s3:ListBucket", resource: bucket, context: { "S3:Prefix": "derived/u/" } })).toBe(true);
    expect(like.allows({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "users/u/" } })).toBe(false);
    expect(like.allows({ action: "s3:ListBucket", resource: bucket })).toBe(false);
    expect(list({ StringLikeIfExists: { "s3:prefix": "derived/*" } }).allows({ action: "s3:ListBucket", resource: bucket })).toBe(true);
    expect(list({ StringNotEquals: { "s3:prefix": ["users/", "derived/"] } }).allows({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "users/" } })).toBe(false);
    expect(list({ StringNotEquals: { "s3:prefix": ["users/"] } }).allows({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "x/" } })).toBe(true);
    expect(list({ Null: { "s3:prefix": "true" } }).allows({ action: "s3:ListBucket", resource: bucket })).toBe(true);
    const all = list({ "ForAllValues:StringLike": { "s3:prefix": ["a*", "b*"] } });
    expect(all.allows({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": ["a1", "b2"] } })).toBe(true);
    expect(all.allows({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": ["a1", "c2"] } })).toBe(false);
  });

  it("refuses, when loaded, what it would not evaluate as AWS does", () => {
    expect(() => new Policy([allow({ Action: ["s3:GetObject"], Resource: ["${AWS::S3::Bucket}/*"] })], [])).toThrow(/variable/);
    expect(() => new Policy([allow({ Action: ["s3:ListBucket"], Resource: [bucket], Condition: { StringLike: { "s3:delimiter": "/" } } })], ["s3:prefix"])).toThrow(/s3:delimiter/);
    expect(() => new Policy([allow({ Action: ["s3:ListBucket"], Resource: [bucket], Condition: { IpAddress: { "s3:prefix": "1.2.3.4/32" } } })], ["s3:prefix"])).toThrow(/IpAddress/);
    expect(() => new Policy([allow({ Resource: [bucket] })], [])).toThrow(/Action/);
  });

  it("matches IAM's glob: '*' any run, '?' one character, everything else literally", () => {
    expect(wildcardMatch("a?c*", "abcdef", false)).toBe(true);
    expect(wildcardMatch("a.c", "abc", false)).toBe(false);
    expect(wildcardMatch("users/(x)+", "users/(x)+", false)).toBe(true);
  });
});
