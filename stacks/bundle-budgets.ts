/**
 * What each function may load, by the composition root its bundle holds (packages/functions/src/roots):
 * a budget of minified bytes loaded at cold start (the entry and the chunks it imports statically, see
 * bundles.ts), and packages it must not hold at all (`never`) or not at cold start (`notAtColdStart`).
 * stacks/bundles.test.ts checks every function of the stacks against these.
 *
 * The targets are 300 KB for the auth routes and 600 KB for the other API routes. The library
 * routes meet theirs. The auth routes cannot while they bundle the SDK and parse with zod. Measured for
 * api/confirm (392 KB at cold start, esbuild's metafile, December 2026): the AWS SDK 262 KB (@smithy/core
 * 117, the Cognito client 44, @aws-sdk/core 35, the DynamoDB client 31, SigV4 10, the HTTP handler 7,
 * DynamoDB's endpoint discovery and its cache 9, the rest small; about 14 KB of it is the Query, XML and
 * REST-JSON protocols these JSON clients never use), zod 60, Powertools 33 (logger 17, metrics 10,
 * commons 6), our own code 26. The SDK and zod alone are 322 KB: below 300 means leaving zod (the input
 * and config schemas, which also make the OpenAPI document) or not bundling the SDK (lambda.ts says why
 * it is bundled). So their budget is what they load today, so that they can only shrink.
 */
export interface BundleBudget {
  /** Cold-start bytes, minified. */
  maxBytes: number;
  /** Packages no file of the bundle may hold. */
  never: string[];
  /** Packages that may only be in chunks loaded on demand. */
  notAtColdStart?: string[];
}

const KB = 1024;
const MEDIA_INSPECTION = ["sharp", "music-metadata", "file-type", "heic-decode"];

/** The composition roots, by module under packages/functions/src; `none` is a function that uses no AWS service. */
export type Family = "roots/auth" | "roots/library" | "roots/account" | "roots/account-data" | "roots/authorizer" | "roots/indexing" | "roots/maintenance" | "roots/renditions" | "none";

export const BUDGETS: Record<Family, BundleBudget> = {
  "roots/auth": {
    // 390 KB before the MFA step and the account-security routes joined the family (sealed MFA sessions,
    // the TOTP and email-change calls: about 2 KB each route).
    maxBytes: 395 * KB,
    never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", "@aws-sdk/lib-dynamodb", "@aws-sdk/s3-presigned-post", "@aws-sdk/s3-request-presigner", ...MEDIA_INSPECTION],
    // The email-change notice (roots/notice-mailer.ts) loads SES when it is sent, on one route.
    notAtColdStart: ["@aws-sdk/client-sesv2"],
  },
  "roots/library": { maxBytes: 600 * KB, never: ["@aws-sdk/client-cognito-identity-provider", ...MEDIA_INSPECTION] },
  "roots/account": { maxBytes: 600 * KB, never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", ...MEDIA_INSPECTION] },
  // DELETE /me and GET /me/export: the user pool and every media adapter at once, on two rarely called routes.
  "roots/account-data": { maxBytes: 800 * KB, never: [...MEDIA_INSPECTION] },
  // Runs before every protected request. Cognito only for a token signed in during its cut's second.
  "roots/authorizer": {
    maxBytes: 350 * KB,
    never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", "@aws-sdk/lib-dynamodb", ...MEDIA_INSPECTION],
    notAtColdStart: ["@aws-sdk/client-cognito-identity-provider"],
  },
  "roots/indexing": { maxBytes: 760 * KB, never: ["@aws-sdk/client-cognito-identity-provider"] },
  // S3 for the multipart uploads no pending record names any more (ListMultipartUploads, Abort).
  "roots/maintenance": { maxBytes: 600 * KB, never: ["@aws-sdk/client-sns", "@aws-sdk/client-cognito-identity-provider", ...MEDIA_INSPECTION] },
  // sharp and ffmpeg are installed beside the bundle (native), not bundled: what is counted is the SDK and the code.
  // SNS: the `media.renditions` announcement.
  "roots/renditions": { maxBytes: 600 * KB, never: ["@aws-sdk/client-cognito-identity-provider"] },
  none: { maxBytes: 50 * KB, never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", "@aws-sdk/client-dynamodb", "@aws-sdk/client-cognito-identity-provider", ...MEDIA_INSPECTION] },
};

/**
 * A function whose budget is not its family's, and why. `GET /openapi.json` uses no AWS service (family
 * `none`) but builds the document from the zod schemas at its cold start: zod and the generator.
 */
export const MODULE_BUDGETS: Readonly<Record<string, BundleBudget>> = {
  "api/openapi": { ...BUDGETS.none, maxBytes: 160 * KB },
};

/** The budget a function is held to: its own when it has one, else its family's. */
export function budgetOf(module: string, family: Family): BundleBudget {
  return MODULE_BUDGETS[module] ?? BUDGETS[family];
}

/** Every function: the tracer (and the X-Ray SDK) only where tracing is on, loaded on demand. */
export const NEVER_AT_COLD_START = ["aws-xray-sdk-core", "@aws-lambda-powertools/tracer"];

/** The aggregate of every root, for tests and scripts: a handler importing it loads every family's clients. */
export const AGGREGATE = "packages/functions/src/services.ts";
