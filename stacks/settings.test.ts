import { RemovalPolicy } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "@media/core/limits";
import { DEV_WEB_ORIGIN, stageSettings, webHosts } from "./settings";

describe("stageSettings", () => {
  it("gives dev stages the local web origin, the default limits and disposable data", () => {
    const s = stageSettings("alice", {});
    expect(s).toEqual({
      isProd: false,
      dataRemovalPolicy: RemovalPolicy.DESTROY,
      webOrigins: [DEV_WEB_ORIGIN],
      limits: { maxFileBytes: DEFAULT_LIMITS.maxFileBytes, quotaBytes: DEFAULT_LIMITS.quotaBytes },
      kept: {},
    });
  });

  it("keeps prod data and requires prod to name an https origin", () => {
    expect(() => stageSettings("prod", {})).toThrow(/WEB_ORIGIN must be set/);
    expect(() => stageSettings("prod", { WEB_ORIGIN: "http://media.example.com" })).toThrow(/https/);
    const s = stageSettings("prod", { WEB_ORIGIN: "https://media.example.com" });
    expect(s.isProd).toBe(true);
    expect(s.dataRemovalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(s.webOrigins).toEqual(["https://media.example.com"]);
  });

  it("accepts a comma-separated list of bare origins and refuses paths or trailing slashes", () => {
    expect(stageSettings("dev", { WEB_ORIGIN: "https://a.example.com, http://localhost:5173" }).webOrigins).toEqual([
      "https://a.example.com",
      "http://localhost:5173",
    ]);
    expect(() => stageSettings("dev", { WEB_ORIGIN: "https://a.example.com/" })).toThrow(/not an origin/);
    expect(() => stageSettings("dev", { WEB_ORIGIN: "https://a.example.com/app" })).toThrow(/not an origin/);
    expect(() => stageSettings("dev", { WEB_ORIGIN: "*" })).toThrow(/not an origin/);
  });

  it("reads the limits per stage and refuses nonsense", () => {
    const s = stageSettings("dev", { MAX_FILE_BYTES: "1048576", QUOTA_BYTES: "10485760", UPLOAD_EXPIRES_SECONDS: "300" });
    expect(s.limits).toEqual({ maxFileBytes: 1048576, quotaBytes: 10485760, uploadExpiresSeconds: 300 });
    expect(() => stageSettings("dev", { MAX_FILE_BYTES: "-1" })).toThrow(/MAX_FILE_BYTES/);
    expect(() => stageSettings("dev", { QUOTA_BYTES: "5GB" })).toThrow(/QUOTA_BYTES/);
    expect(() => stageSettings("dev", { MAX_FILE_BYTES: "20", QUOTA_BYTES: "10" })).toThrow(/larger than QUOTA_BYTES/);
    expect(() => stageSettings("dev", { UPLOAD_EXPIRES_SECONDS: "901" })).toThrow(/at most 900/);
  });

  it("takes ALERTS_EMAIL when it looks like an address, and nothing when it is unset", () => {
    expect(stageSettings("dev", {}).alertsEmail).toBeUndefined();
    expect(stageSettings("dev", { ALERTS_EMAIL: " " }).alertsEmail).toBeUndefined();
    expect(stageSettings("dev", { ALERTS_EMAIL: " ops@example.com " }).alertsEmail).toBe("ops@example.com");
    for (const bad of ["ops", "ops@example", "a@b.c,d@e.f", "ops @example.com"]) {
      expect(() => stageSettings("dev", { ALERTS_EMAIL: bad }), bad).toThrow(/ALERTS_EMAIL/);
    }
  });

  it("takes WEB_CERTIFICATE_ARN only from us-east-1, and only for https WEB_ORIGIN hosts", () => {
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
    const s = stageSettings("prod", { WEB_ORIGIN: "https://media.example.com,https://www.media.example.com", WEB_CERTIFICATE_ARN: arn });
    expect(s.webCertificateArn).toBe(arn);
    expect(webHosts(s)).toEqual(["media.example.com", "www.media.example.com"]);
    expect(() => stageSettings("dev", { WEB_CERTIFICATE_ARN: arn })).toThrow(/needs WEB_ORIGIN/);
    expect(() => stageSettings("dev", { WEB_ORIGIN: "http://media.example.com", WEB_CERTIFICATE_ARN: arn })).toThrow(/https/);
    expect(() => stageSettings("prod", { WEB_ORIGIN: "https://media.example.com", WEB_CERTIFICATE_ARN: arn.replace("us-east-1", "eu-west-1") })).toThrow(/us-east-1/);
    expect(stageSettings("dev", {}).webCertificateArn).toBeUndefined();
  });

  it("sends Cognito's emails through SES only when SES_FROM_EMAIL is set, and refuses half a configuration", () => {
    expect(stageSettings("dev", {}).email).toBeUndefined();
    expect(stageSettings("dev", { SES_FROM_EMAIL: "no-reply@media.example.com" }).email).toEqual({ fromEmail: "no-reply@media.example.com" });
    expect(
      stageSettings("dev", {
        SES_FROM_EMAIL: "no-reply@media.example.com",
        SES_FROM_NAME: "Media storage",
        SES_IDENTITY: "media.example.com",
        SES_REGION: "eu-west-1",
      }).email,
    ).toEqual({ fromEmail: "no-reply@media.example.com", fromName: "Media storage", sesVerifiedDomain: "media.example.com", sesRegion: "eu-west-1" });
    // The address as its own identity is the default, not a domain.
    expect(stageSettings("dev", { SES_FROM_EMAIL: "a@example.com", SES_IDENTITY: "a@example.com" }).email).toEqual({ fromEmail: "a@example.com" });
    expect(() => stageSettings("dev", { SES_IDENTITY: "example.com" })).toThrow(/SES_IDENTITY need SES_FROM_EMAIL/);
    expect(() => stageSettings("dev", { SES_FROM_EMAIL: "no-reply" })).toThrow(/SES_FROM_EMAIL/);
    expect(() => stageSettings("dev", { SES_FROM_EMAIL: "a@example.com", SES_IDENTITY: "other.com" })).toThrow(/its domain \(example.com\)/);
    expect(() => stageSettings("dev", { SES_FROM_EMAIL: "a@example.com", SES_REGION: "Ireland" })).toThrow(/SES_REGION/);
  });
});
