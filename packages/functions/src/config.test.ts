import { describe, expect, it } from "vitest";
import { functionEnvironment } from "@media/core/function-env";
import { minimalFunctionEnv } from "@media/testing/function-env";
import { parseAuthorizerConfig, parseConfig } from "./config";

const base = minimalFunctionEnv();

describe("the notice sender in the functions' configuration", () => {
  it("is absent without NOTICE_FROM_EMAIL (a stage without SES), and in the function's region by default", () => {
    expect(parseConfig(base).notices).toBeUndefined();
    expect(parseConfig({ ...base, ...functionEnvironment({ noticeFrom: "Media <no-reply@example.com>" }) }).notices).toEqual({ from: "Media <no-reply@example.com>", region: "eu-central-1" });
    expect(parseConfig({ ...base, ...functionEnvironment({ noticeFrom: "no-reply@example.com", noticeRegion: "eu-west-1" }) }).notices).toEqual({ from: "no-reply@example.com", region: "eu-west-1" });
  });

  it("refuses a region without a sender, and a malformed region, naming the variable", () => {
    expect(() => parseConfig({ ...base, ...functionEnvironment({ noticeRegion: "eu-west-1" }) })).toThrow(/NOTICE_SES_REGION needs NOTICE_FROM_EMAIL/);
    expect(() => parseConfig({ ...base, ...functionEnvironment({ noticeFrom: "a@example.com", noticeRegion: "Ireland" }) })).toThrow(/NOTICE_SES_REGION: must be an AWS region/);
  });
});

describe("the functions' scratch folder", () => {
  it("is the platform's temporary folder unless SCRATCH_DIR names an absolute path", () => {
    expect(parseConfig(base).scratchDir).toBeUndefined();
    expect(parseConfig({ ...base, ...functionEnvironment({ scratchDir: "/data/scratch" }) }).scratchDir).toBe("/data/scratch");
    expect(() => parseConfig({ ...base, ...functionEnvironment({ scratchDir: "scratch" }) })).toThrow(/SCRATCH_DIR: must be an absolute path/);
  });
});

describe("a malformed functions' configuration", () => {
  const without = (name: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== name));

  it("names every variable that is missing or malformed, with what is wrong", () => {
    expect(() => parseConfig({ ...without("AWS_REGION"), BUCKET_NAME: "" })).toThrow(
      "Invalid function configuration: AWS_REGION: Required; BUCKET_NAME: String must contain at least 1 character(s)",
    );
    expect(() => parseConfig({ ...base, USER_POOL_ID: "nope" })).toThrow("USER_POOL_ID: must be a Cognito user pool id like us-east-1_AbC123");
    expect(() => parseConfig({ ...base, CURSOR_SECRET: "short" })).toThrow("CURSOR_SECRET: must be at least 16 characters");
    expect(() => parseConfig({ ...base, JWKS_JSON: "{}" })).toThrow('JWKS_JSON: must be a JSON Web Key Set ({"keys": [...]})');
    expect(() => parseConfig({ ...base, S3_FORCE_PATH_STYLE: "yes" })).toThrow("S3_FORCE_PATH_STYLE: Invalid enum value. Expected 'true' | 'false', received 'yes'");
    expect(() => parseConfig({ ...base, NOTICE_FROM_EMAIL: "ab" })).toThrow("NOTICE_FROM_EMAIL: String must contain at least 3 character(s)");
  });

  it("takes limits as positive integers, each within its maximum, and defaults the unset ones", () => {
    expect(() => parseConfig({ ...base, MAX_FILE_BYTES: "abc" })).toThrow("MAX_FILE_BYTES: Expected number, received nan");
    expect(() => parseConfig({ ...base, MAX_FILE_BYTES: "-1.5" })).toThrow("MAX_FILE_BYTES: Expected integer, received float; MAX_FILE_BYTES: Number must be greater than 0");
    expect(() => parseConfig({ ...base, MAX_FILE_BYTES: "" })).toThrow("MAX_FILE_BYTES: Number must be greater than 0");
    expect(() => parseConfig({ ...base, UPLOAD_EXPIRES_SECONDS: "1000" })).toThrow("UPLOAD_EXPIRES_SECONDS: Number must be less than or equal to 900");
    const { limits, s3ForcePathStyle } = parseConfig({ ...base, MAX_FILE_BYTES: "1e3", S3_FORCE_PATH_STYLE: "true" });
    expect(limits.maxFileBytes).toBe(1000);
    expect(limits.uploadExpiresSeconds).toBeGreaterThan(0);
    expect(s3ForcePathStyle).toBe(true);
  });

  it("leaves the authorizer to the settings it reads", () => {
    const cfg = parseAuthorizerConfig({ ...base, CURSOR_SECRET: "short", MAX_FILE_BYTES: "abc", JWKS_JSON: '{"keys":[]}' });
    expect(cfg).toEqual({ region: "eu-central-1", tableName: "media", userPoolId: "eu-central-1_AbC123xYz", userPoolClientId: "client", jwks: { keys: [] } });
    expect(() => parseAuthorizerConfig(without("TABLE_NAME"))).toThrow("Invalid authorizer configuration: TABLE_NAME: Required");
  });
});
