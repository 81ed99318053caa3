import { describe, expect, it } from "vitest";
import { functionEnvironment } from "@media/core/function-env";
import { parseConfig } from "./config";

const base = {
  AWS_REGION: "eu-central-1",
  ...functionEnvironment({
    tableName: "media",
    bucketName: "media-bucket",
    topicArn: "arn:aws:sns:eu-central-1:123456789012:media-events",
    userPoolId: "eu-central-1_AbC123xYz",
    userPoolClientId: "client",
    cursorSecret: "a-secret-of-sixteen-chars",
  }),
};

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
