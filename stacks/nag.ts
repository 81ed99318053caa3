import { Aspects, Stack, type App } from "aws-cdk-lib";
import { CfnRoute } from "aws-cdk-lib/aws-apigatewayv2";
import { AwsSolutionsChecks, NagSuppressions, type INagLogger, type NagPackSuppression } from "cdk-nag";
import type { IConstruct } from "constructs";
import { ROUTES, routeKey } from "@media/core/routes";

/**
 * cdk-nag's AwsSolutions pack over the synthesized app (stacks/nag.test.ts runs it on the prod stage).
 * What it found was fixed where the fix serves the product (access logs of the media bucket, the site
 * bucket and the CDN in prod: see WebHosting); every finding kept is listed here with the reason, so a
 * new finding, from a new resource or a new grant, fails the test until it is fixed or argued for.
 */

/** Findings accepted for every stack. */
export const ACCEPTED_EVERYWHERE: readonly NagPackSuppression[] = [
  {
    id: "AwsSolutions-L1",
    reason:
      "Functions run nodejs22.x, the runtime their bundles are built for (esbuild target node22) and the local runtime is " +
      "tested against; moving to a newer runtime is a change of its own with its own test run. The custom-resource " +
      "handlers are CDK's and SST's, on the runtime those libraries ship.",
  },
  {
    id: "AwsSolutions-IAM5",
    appliesTo: ["Resource::*"],
    reason:
      "X-Ray's PutTraceSegments and PutTelemetryRecords accept no resource-level permission: AWS requires '*'. " +
      "nag.test.ts checks that X-Ray's actions are the only ones ever granted on '*'.",
  },
  {
    id: "AwsSolutions-IAM5",
    appliesTo: [{ regex: "/^Resource::<MediaBucket[0-9A-F]+\\.Arn>\\/(users|derived)\\/\\*$/" }],
    reason:
      "Object keys are per user and per file (users/{sub}/{fileId}, derived/{sub}/...), unknown at deploy time: " +
      "the key prefix is the narrowest grant S3 allows, and every presigned URL binds the exact key.",
  },
  {
    id: "AwsSolutions-IAM4",
    appliesTo: ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    reason:
      "Only on CDK's and SST's own custom-resource handlers (bucket notifications, stack metadata, auto-delete), which " +
      "run during deploys and write nothing but their logs; the application's functions have their own scoped roles.",
  },
];

/** Findings accepted on one kind of resource, by the rule and why. */
export const ACCEPTED_ON = {
  publicRoute: {
    id: "AwsSolutions-APIG4",
    reason:
      "A public route by design (auth: false in core/routes.ts): sign-up, confirmation, login, refresh and password " +
      "reset come before any token, /health is probed anonymously, and a share link's token is its own credential.",
  },
  userPoolMfa: {
    id: "AwsSolutions-COG2",
    reason:
      "MFA is each person's choice (Cognito software-token MFA, OPTIONAL): requiring it would lock out every account " +
      "made before it and every script that signs in with a password.",
  },
  userPoolThreatProtection: {
    id: "AwsSolutions-COG3",
    reason:
      "Cognito threat protection (advanced security, Plus tier) is billed per monthly active user. Guessing is bounded " +
      "without it: Cognito locks out repeated failed sign-ins, and the API's attempt budgets (core/code-limits.ts) " +
      "limit code emails and code checks per account and per client.",
  },
  cursorSecret: {
    id: "AwsSolutions-SMG4",
    reason:
      "The secret only signs pagination cursors (core/cursor.ts), which expire after 24 hours; rotating it would break " +
      "every listing open at that moment. A leaked key lets nobody past their own files: the listing always queries " +
      "the caller's partition, so a forged cursor only starts the caller's own listing at another position.",
  },
  cdnGeoRestriction: {
    id: "AwsSolutions-CFR1",
    reason: "A media service for anyone, anywhere: no country is excluded.",
  },
  cdnWaf: {
    id: "AwsSolutions-CFR2",
    reason:
      "The distribution serves only the static web app (no API, no user data, no forms that reach a server); " +
      "a WAF's per-request cost buys nothing there. The API's abuse controls live in the functions.",
  },
} satisfies Record<string, NagPackSuppression>;

/**
 * Adds the AwsSolutions checks to the app with the accepted findings; call before the app synthesizes.
 * A logger sees every rule's outcome on every resource (what passed, what was accepted, what failed).
 */
export function checkAwsSolutions(app: App, logger?: INagLogger): void {
  Aspects.of(app).add(new AwsSolutionsChecks(logger ? { additionalLoggers: [logger] } : {}));
  for (const stack of app.node.findAll().filter((c): c is Stack => Stack.isStack(c))) {
    NagSuppressions.addStackSuppressions(stack, [...ACCEPTED_EVERYWHERE]);
  }
  const publicRoutes = new Set(ROUTES.filter((r) => !r.auth).map(routeKey));
  for (const construct of app.node.findAll()) {
    if (construct instanceof CfnRoute && publicRoutes.has(construct.routeKey)) {
      NagSuppressions.addResourceSuppressions(construct, [ACCEPTED_ON.publicRoute]);
    }
  }
  suppressOn(app, "AWS::Cognito::UserPool", [ACCEPTED_ON.userPoolMfa, ACCEPTED_ON.userPoolThreatProtection]);
  suppressOn(app, "AWS::SecretsManager::Secret", [ACCEPTED_ON.cursorSecret]);
  suppressOn(app, "AWS::CloudFront::Distribution", [ACCEPTED_ON.cdnGeoRestriction, ACCEPTED_ON.cdnWaf]);
}

function suppressOn(app: App, cfnType: string, suppressions: NagPackSuppression[]): void {
  const matches = app.node.findAll().filter((c: IConstruct) => cfnTypeOf(c) === cfnType);
  if (matches.length > 0) NagSuppressions.addResourceSuppressions(matches, suppressions);
}

function cfnTypeOf(construct: IConstruct): string | undefined {
  const type = (construct as { cfnResourceType?: unknown }).cfnResourceType;
  return typeof type === "string" ? type : undefined;
}
