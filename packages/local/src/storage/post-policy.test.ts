import { describe, expect, it } from "vitest";
import { checkPostPolicy, decodePostPolicy, MAX_POST_OBJECT_BYTES, substituteFilename, successStatus, type PostPolicy } from "./post-policy";
import { S3Error } from "./s3-errors";

const encode = (doc: unknown) => Buffer.from(JSON.stringify(doc)).toString("base64");
const now = new Date("2026-01-01T12:00:00Z");
const later = "2026-01-01T12:15:00Z";

function refusal(run: () => unknown): { status: number; code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof S3Error) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

function check(conditions: unknown[], fields: Record<string, string>, bucket = "media") {
  const policy = decodePostPolicy(encode({ expiration: later, conditions }));
  return checkPostPolicy(policy, { bucket, fields: new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v])), now });
}

const base = [{ bucket: "media" }, { key: "users/a/1" }];

describe("decodePostPolicy", () => {
  it("reads what createPresignedPost writes", () => {
    const policy = decodePostPolicy(
      encode({ expiration: "2026-01-01T12:15:00Z", conditions: [["content-length-range", 1, 10], { "Content-Type": "image/png" }, ["starts-with", "$key", "users/"]] }),
    );
    expect(policy).toEqual<PostPolicy>({
      expiration: new Date("2026-01-01T12:15:00Z"),
      conditions: [
        { op: "content-length-range", min: 1, max: 10 },
        { op: "eq", field: "content-type", name: "Content-Type", value: "image/png" },
        { op: "starts-with", field: "key", name: "key", value: "users/" },
      ],
    });
  });

  it.each([
    ["not base64", "%%%"],
    ["not JSON", Buffer.from("{nope").toString("base64")],
    ["no expiration", encode({ conditions: [] })],
    ["EXPIRATION in capitals (the document's keys are case-sensitive)", encode({ EXPIRATION: later, conditions: [] })],
    ["an expiration that is not ISO 8601", encode({ expiration: "2026-01-01 12:15:00", conditions: [] })],
    ["no conditions", encode({ expiration: later })],
    ["CONDITIONS in capitals", encode({ expiration: later, CONDITIONS: [] })],
    ["an empty condition object", encode({ expiration: later, conditions: [{}] })],
    ["a condition with two properties", encode({ expiration: later, conditions: [{ a: "1", b: "2" }] })],
    ["a non-string value", encode({ expiration: later, conditions: [{ key: 1 }] })],
    ["content-length-range with one bound", encode({ expiration: later, conditions: [["content-length-range", 0]] })],
    ["content-length-range with a negative bound", encode({ expiration: later, conditions: [["content-length-range", -1, 10]] })],
    ["an unknown operator", encode({ expiration: later, conditions: [["ends-with", "$key", "x"]] })],
    ["a field without $", encode({ expiration: later, conditions: [["eq", "key", "x"]] })],
  ])("refuses %s with 400 InvalidPolicyDocument", (_name, policy) => {
    expect(refusal(() => decodePostPolicy(policy))).toMatchObject({ status: 400, code: "InvalidPolicyDocument" });
  });

  it("accepts operators and field names in any case", () => {
    const policy = decodePostPolicy(encode({ expiration: later, conditions: [["StArTs-WiTh", "$KeY", "users/"], ["EQ", "$Bucket", "media"]] }));
    expect(policy.conditions).toEqual([
      { op: "starts-with", field: "key", name: "KeY", value: "users/" },
      { op: "eq", field: "bucket", name: "Bucket", value: "media" },
    ]);
  });
});

describe("checkPostPolicy", () => {
  it("passes a form every condition covers and returns the size range", () => {
    expect(check([...base, ["content-length-range", 1, 100], { "Content-Type": "image/png" }], { key: "users/a/1", "Content-Type": "image/png" })).toEqual({ min: 1, max: 100 });
  });

  it("defaults to S3's 5 GiB ceiling and intersects several ranges", () => {
    expect(check(base, { key: "users/a/1" })).toEqual({ min: 0, max: MAX_POST_OBJECT_BYTES });
    expect(check([...base, ["content-length-range", 1, 100], ["content-length-range", 10, 1000]], { key: "users/a/1" })).toEqual({ min: 10, max: 100 });
  });

  it("refuses an expired policy", () => {
    const policy = decodePostPolicy(encode({ expiration: "2026-01-01T11:59:59Z", conditions: base }));
    expect(refusal(() => checkPostPolicy(policy, { bucket: "media", fields: new Map([["key", "users/a/1"]]), now }))).toEqual({
      status: 403,
      code: "AccessDenied",
      message: "Invalid according to Policy: Policy expired.",
    });
  });

  it("refuses a field that breaks an exact condition, naming the condition as S3 does", () => {
    expect(refusal(() => check(base, { key: "users/b/1" }))).toEqual({
      status: 403,
      code: "AccessDenied",
      message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "users/a/1"]',
    });
  });

  it("refuses a condition on a field the form does not carry, even eq ''", () => {
    expect(refusal(() => check([...base, ["eq", "$x-amz-meta-foo", ""]], { key: "users/a/1" })).message).toContain('["eq", "$x-amz-meta-foo", ""]');
  });

  it("checks starts-with, with '' meaning anything", () => {
    expect(check([{ bucket: "media" }, ["starts-with", "$key", "users/a/"]], { key: "users/a/photo.png" })).toBeDefined();
    expect(check([{ bucket: "media" }, ["starts-with", "$key", ""]], { key: "anything" })).toBeDefined();
    expect(refusal(() => check([{ bucket: "media" }, ["starts-with", "$key", "users/a/"]], { key: "users/b/photo.png" })).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "users/a/"]',
    );
  });

  it("reads a Content-Type starts-with value as a comma-separated list, every item must match", () => {
    const conditions = [...base, ["starts-with", "$Content-Type", "image/"]];
    expect(check(conditions, { key: "users/a/1", "content-type": "image/jpg,image/png, image/gif" })).toBeDefined();
    expect(refusal(() => check(conditions, { key: "users/a/1", "content-type": "image/jpg,text/plain" })).code).toBe("AccessDenied");
  });

  it("compares values exactly (case and escapes included)", () => {
    expect(refusal(() => check([...base, { "Content-Type": "image/png" }], { key: "users/a/1", "Content-Type": "IMAGE/PNG" })).code).toBe("AccessDenied");
    expect(check([{ bucket: "media" }, ["starts-with", "$key", "\\$foo"]], { key: "\\$foo.txt" })).toBeDefined();
  });

  it("refuses fields no condition covers, except the exempt ones", () => {
    expect(refusal(() => check(base, { key: "users/a/1", "x-amz-meta-a": "1", acl: "public-read" })).message).toBe(
      "Invalid according to Policy: Extra input fields: x-amz-meta-a, acl",
    );
    expect(check(base, { key: "users/a/1", policy: "p", "x-amz-signature": "s", "x-ignore-anything": "x" })).toBeDefined();
  });

  it("treats the bucket as a field: a policy must bind it, and it must be the URL's bucket", () => {
    expect(refusal(() => check([{ key: "users/a/1" }], { key: "users/a/1" })).message).toBe("Invalid according to Policy: Extra input fields: bucket");
    expect(refusal(() => check(base, { key: "users/a/1" }, "other")).message).toBe('Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "media"]');
    expect(refusal(() => check(base, { key: "users/a/1", bucket: "other" })).code).toBe("AccessDenied");
  });

  it("matches condition field names case-insensitively", () => {
    expect(check([["eq", "$BUCKET", "media"], ["starts-with", "$KeY", "users/"], { "CONTENT-TYPE": "image/png" }], { key: "users/a/1", "content-type": "image/png" })).toBeDefined();
  });
});

describe("form helpers", () => {
  it("substitutes ${filename}", () => {
    expect(substituteFilename("users/a/${filename}", "photo 1.png")).toBe("users/a/photo 1.png");
    expect(substituteFilename("users/a/b", "x")).toBe("users/a/b");
  });

  it("answers 204 unless success_action_status is 200 or 201", () => {
    expect([successStatus(undefined), successStatus("200"), successStatus("201"), successStatus("204"), successStatus("404")]).toEqual([204, 200, 201, 204, 204]);
  });
});
