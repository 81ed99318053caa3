import fs from "node:fs";
import path from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
// The parser SST itself loads the .env files with.
import dotenv from "dotenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageSettings } from "./settings";
import { DUMMY_ACCOUNT, REPO_ROOT, synthesize, type Synthesized } from "./synth";

/**
 * A stage's settings come from its `.env.<stage>` file, loaded by SST itself (initProject) before the
 * stacks run, and win over the deploying shell: so a deploy from another shell, or from CI, builds the
 * same stage. Synthesized without bundling (the settings do not depend on the bundles).
 */

// A stage of its own, so the file cannot be one a developer keeps, and parallel runs do not meet.
const STAGE = `envtest${process.pid}`;
const ENV_FILE = path.join(REPO_ROOT, `.env.${STAGE}`);
const SETTINGS = {
  ALERTS_EMAIL: "ops@media.example.com",
  MAX_FILE_BYTES: "1048576",
  QUOTA_BYTES: "10485760",
  SES_FROM_EMAIL: "no-reply@media.example.com",
  SES_FROM_NAME: "Media storage",
  SES_IDENTITY: "media.example.com",
  SES_REGION: "eu-west-1",
};
const SAVED = { ...process.env };

let result: Synthesized;
beforeAll(async () => {
  fs.writeFileSync(ENV_FILE, Object.entries(SETTINGS).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n");
  for (const key of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", ...Object.keys(SETTINGS)]) delete process.env[key];
  // The shell says otherwise; the stage's file must win.
  process.env.ALERTS_EMAIL = "someone-else@example.com";
  // Any AWS call during the synthesis would fail here.
  process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
  try {
    result = await synthesize({ stage: STAGE, bundle: false });
  } finally {
    fs.rmSync(ENV_FILE, { force: true });
  }
});

afterAll(async () => {
  await result?.cleanup();
  for (const key of Object.keys(process.env)) if (!(key in SAVED)) delete process.env[key];
  Object.assign(process.env, SAVED);
});

const template = (name: keyof Synthesized["stacks"]) => Template.fromStack(result.stacks[name]);

describe(".env.<stage> settings", () => {
  it("sends Cognito's emails through the SES identity named in the stage's file", () => {
    template("Auth").hasResourceProperties("AWS::Cognito::UserPool", {
      EmailConfiguration: {
        EmailSendingAccount: "DEVELOPER",
        From: "Media storage <no-reply@media.example.com>",
        SourceArn: { "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(`:ses:eu-west-1:${DUMMY_ACCOUNT}:identity/media\\.example\\.com$`)])] },
      },
    });
  });

  it("tells the old address of an email change from the same sender: only POST /me/email/verify may send, and only as that identity", () => {
    const api = template("Api");
    api.hasResourceProperties("AWS::Lambda::Function", {
      Description: "media-storage api/verify-email",
      Environment: { Variables: Match.objectLike({ NOTICE_FROM_EMAIL: "Media storage <no-reply@media.example.com>", NOTICE_SES_REGION: "eu-west-1" }) },
    });
    const roles = api.findResources("AWS::IAM::Role");
    const senders = Object.values(api.findResources("AWS::IAM::Policy")).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
        .filter((s) => [s.Action].flat().some((a) => a.startsWith("ses:")))
        .map((s) => ({ ...s, roles: (p.Properties.Roles as Array<{ Ref: string }>).map((r) => roles[r.Ref]?.Properties.Description as string) })),
    );
    expect(senders).toHaveLength(1);
    expect(senders[0]).toMatchObject({ Action: "ses:SendEmail", roles: ["media-storage api/verify-email"] });
    expect(JSON.stringify(senders[0]!.Resource)).toMatch(/:ses:eu-west-1:.*:identity\/media\.example\.com"/);
  });

  it("emails the alarms to the file's ALERTS_EMAIL, not the shell's", () => {
    const subscriptions = template("Monitoring").findResources("AWS::SNS::Subscription");
    expect(Object.values(subscriptions).map((s) => s.Properties)).toEqual([
      expect.objectContaining({ Protocol: "email", Endpoint: SETTINGS.ALERTS_EMAIL }),
    ]);
  });

  it("gives the upload functions the file's limits", () => {
    template("Api").hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ MAX_FILE_BYTES: SETTINGS.MAX_FILE_BYTES, QUOTA_BYTES: SETTINGS.QUOTA_BYTES }) },
    });
  });
});

describe(".env.example", () => {
  it("is a valid prod configuration as written, SES included", () => {
    const example = dotenv.parse(fs.readFileSync(path.join(REPO_ROOT, ".env.example")));
    const settings = stageSettings("prod", example);
    expect(settings.webOrigins).toEqual(["https://media.example.com"]);
    expect(settings.limits).toEqual({ maxFileBytes: 1073741824, quotaBytes: 10737418240, uploadExpiresSeconds: 900 });
    expect(settings.email).toEqual({ fromEmail: "no-reply@media.example.com", fromName: "Media storage", sesVerifiedDomain: "media.example.com" });
    expect(settings.apiDomain?.domainName).toBe("api.media.example.com");
    // The KEPT_* lines are commented out: a first deploy attaches nothing.
    expect(settings.kept).toEqual({});
  });
});
