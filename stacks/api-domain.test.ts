import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageSettings } from "./settings";
import { setStageEnv } from "./stage-env";
import { synthesize, type Synthesized } from "./synth";

const API_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d";

describe("API_DOMAIN settings", () => {
  it("go together and must look like a host and a certificate", () => {
    expect(stageSettings("dev", {}).apiDomain).toBeUndefined();
    expect(stageSettings("dev", { API_DOMAIN: "api.media.example.com", API_CERTIFICATE_ARN: API_CERTIFICATE }).apiDomain).toEqual({
      domainName: "api.media.example.com",
      certificateArn: API_CERTIFICATE,
    });
    expect(() => stageSettings("dev", { API_DOMAIN: "api.media.example.com" })).toThrow(/go together/);
    expect(() => stageSettings("dev", { API_CERTIFICATE_ARN: API_CERTIFICATE })).toThrow(/go together/);
    expect(() => stageSettings("dev", { API_DOMAIN: "https://api.media.example.com", API_CERTIFICATE_ARN: API_CERTIFICATE })).toThrow(/API_DOMAIN/);
    expect(() => stageSettings("dev", { API_DOMAIN: "API.Media.example.com", API_CERTIFICATE_ARN: API_CERTIFICATE })).toThrow(/lower-case/);
    expect(() => stageSettings("dev", { API_DOMAIN: "api.media.example.com", API_CERTIFICATE_ARN: "not-an-arn" })).toThrow(/API_CERTIFICATE_ARN/);
  });
});

describe("a stage with its own API domain", () => {
  let synthesized: Synthesized;
  let api: Template;
  let restoreEnv: () => void = () => undefined;
  const env = { API_DOMAIN: "api.media.example.com", API_CERTIFICATE_ARN: API_CERTIFICATE, TRACING: "off" };

  beforeAll(async () => {
    restoreEnv = setStageEnv(env);
    synthesized = await synthesize({ stage: "apidomain", bundle: false, region: "us-east-1" });
    api = Template.fromStack(synthesized.stacks.Api);
  });

  afterAll(async () => {
    await synthesized?.cleanup();
    restoreEnv();
  });

  it("serves the API on that host with the regional certificate, and says where its DNS record points", () => {
    api.hasResourceProperties("AWS::ApiGatewayV2::DomainName", {
      DomainName: "api.media.example.com",
      DomainNameConfigurations: [{ CertificateArn: API_CERTIFICATE, EndpointType: "REGIONAL" }],
    });
    api.resourceCountIs("AWS::ApiGatewayV2::ApiMapping", 1);
    expect(api.findOutputs("ApiUrl").ApiUrl?.Value).toBe("https://api.media.example.com");
    expect(JSON.stringify(api.findOutputs("ApiDomainTarget").ApiDomainTarget?.Value)).toContain("RegionalDomainName");
  });

  it("builds the web app against the API's own domain", () => {
    const web = JSON.stringify(Template.fromStack(synthesized.stacks.Web).toJSON());
    expect(web).toContain("https://api.media.example.com");
  });
});
