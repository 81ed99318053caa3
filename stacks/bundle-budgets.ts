/**
 * What each function may load, by the composition root its bundle holds (packages/functions/src/roots):
 * a budget of minified bytes loaded at cold start (the entry and the chunks it imports statically, see
 * bundles.ts), and packages it must not hold at all (`never`) or not at cold start (`notAtColdStart`).
 * stacks/bundles.test.ts checks every function of the stacks against these.
 *
 * The targets are 300 KB for the auth routes and 600 KB for the other API routes. Every API route
 * but the auth family's meets its target since the bundles lost esbuild's keepNames and the SDK clients'
 * whole package.json (stacks/lambda.ts; DELETE /me went from 634 to 594 KB, a library route from 573
 * to 540), and the SDK's default credential chain (sdk-substitutes.ts: credentials from the
 * environment, where Lambda puts them). That chain's own providers were in chunks loaded on demand, but
 * its STS, SSO and sign-in clients speak the query and XML protocols, and what they share with the
 * function's client put those protocols into chunks every cold start loads: 20 KB of an auth route (368
 * to 348), 38 of the authorizer (319 to 281), 11 of DELETE /me (594 to 583), 8 of a library route.
 *
 * Issue 20's second pass took the auth routes from 349 to 306 KB: their request schemas (accounts.ts,
 * account-security.ts, account-deletion.ts) parse with zod 4 mini, which esbuild shakes (zod 24 KB
 * against zod 3's 58; core/mini-schema.ts keeps zod 3's messages), config.ts reads the environment with
 * a few rules of its own (env-rules.ts) instead of zod, and Powertools Metrics (10 KB and its share of
 * commons) is only in the functions that record a metric (metrics-sink.ts), which no auth route does.
 * api/verify-email was then 306 KB: the AWS SDK about 225 (@smithy/core 107, the Cognito client 38 of
 * which its error classes 16 and schemas 13, DynamoDB 26 of which its errors 9, its endpoint-discovery
 * cache 8, @aws-sdk/core 25, SigV4 9, the HTTP handler 7), zod mini 24, Powertools Logger 22 with
 * commons, our code 28. The endpoint-discovery cache went next (sdk-substitutes.ts: the DynamoDB client
 * builds it and none of its commands reads it), every bundle with the DynamoDB client 8 KB lighter:
 * the auth routes are 295 to 298 KB.
 *
 * Each budget is what its family loads today plus a few KB (the largest route of the family, rounded
 * up), so that a bundle can only shrink or grow by a reviewed change of its budget.
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
export type Family = "roots/auth" | "roots/library" | "roots/account" | "roots/account-data" | "roots/account-export" | "roots/authorizer" | "roots/indexing" | "roots/maintenance" | "roots/renditions" | "none";

export const BUDGETS: Record<Family, BundleBudget> = {
  "roots/auth": {
    // 298 KB (api/verify-email; 306 with DynamoDB's endpoint-discovery cache, 349 with zod 3 and
    // Powertools Metrics as well, 369 with the default credential chain, 394 with keepNames).
    maxBytes: 300 * KB,
    never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", "@aws-sdk/lib-dynamodb", "@aws-sdk/s3-presigned-post", "@aws-sdk/s3-request-presigner", ...MEDIA_INSPECTION],
    // The email-change notice (roots/notice-mailer.ts) loads SES when it is sent, on one route.
    notAtColdStart: ["@aws-sdk/client-sesv2"],
  },
  // 521 KB (api/upload; 528 with the endpoint-discovery cache).
  // 504 KB since the media events' SNS client loads with the first event (roots/media-events.ts).
  "roots/library": { maxBytes: 507 * KB, never: ["@aws-sdk/client-cognito-identity-provider", ...MEDIA_INSPECTION], notAtColdStart: ["@aws-sdk/client-sns"] },
  // 297 KB (api/me; 304 with the endpoint-discovery cache, 352 while its usage came from library.ts
  // with that module's zod 3 schemas).
  "roots/account": { maxBytes: 300 * KB, never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", ...MEDIA_INSPECTION] },
  // DELETE /me: the user pool and every media adapter at once. 583 KB (594 with the default credential
  // chain, 634 with keepNames as well). At 594 it held S3 97 KB and its checksums and middleware 26,
  // Cognito 38, DynamoDB 30 and its document client 12, SNS 19, on the SDK's core (@smithy/core 131,
  // @aws-sdk/core 41), zod 58, our code 58. 539 KB since its schemas moved to zod 4 mini, 532 without
  // the endpoint-discovery cache.
  // 356 KB since S3 and SNS load once the person has proved who they are (roots/storage-on-first-use.ts,
  // roots/media-events.ts): a refused request never loads them.
  "roots/account-data": { maxBytes: 358 * KB, never: [...MEDIA_INSPECTION], notAtColdStart: ["@aws-sdk/client-s3", "@aws-sdk/client-sns"] },
  // GET /me/export: the user pool for the caller's email and the stored media, no SNS (it announces
  // nothing). 487 KB (495 with the endpoint-discovery cache, 539 with zod 3 as well, 556 with the
  // default credential chain, 592 while it shared DELETE /me's root, 632 with keepNames).
  // 342 KB since S3 is a chunk whose loading starts with the first request, beside its Cognito and
  // DynamoDB calls (roots/storage-on-first-use.ts).
  "roots/account-export": { maxBytes: 345 * KB, never: ["@aws-sdk/client-sns", ...MEDIA_INSPECTION], notAtColdStart: ["@aws-sdk/client-s3"] },
  // Runs before every protected request. Cognito only for a token signed in during its cut's second.
  "roots/authorizer": {
    // 216 KB (224 with the endpoint-discovery cache, 281 while config.ts parsed with zod 3 as well,
    // 319 with the default credential chain).
    maxBytes: 219 * KB,
    never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", "@aws-sdk/lib-dynamodb", ...MEDIA_INSPECTION],
    notAtColdStart: ["@aws-sdk/client-cognito-identity-provider"],
  },
  // 548 KB: file-type (every file is sniffed) on top of the media adapters. The image and audio describers
  // (sharp, external, and music-metadata) are chunks loaded when a file of their kind arrives, SNS with
  // the first event (664 KB while the cold start loaded music-metadata, and sharp's native library with
  // it; 602 with them on demand, 565 with zod 4 mini for the S3 notification).
  "roots/indexing": { maxBytes: 551 * KB, never: ["@aws-sdk/client-cognito-identity-provider"], notAtColdStart: ["music-metadata", "@aws-sdk/client-sns"] },
  // S3 for the multipart uploads no pending record names any more (ListMultipartUploads, Abort). No zod:
  // the sweep's part of the multipart code is a module of its own (core/multipart-orphans.ts), apart from
  // the routes' request schemas. 421 KB (480 with zod 3).
  "roots/maintenance": { maxBytes: 424 * KB, never: ["@aws-sdk/client-sns", "@aws-sdk/client-cognito-identity-provider", "zod", ...MEDIA_INSPECTION] },
  // sharp and ffmpeg are installed beside the bundle (native), not bundled: what is counted is the SDK and the code.
  // SNS: the `media.renditions` announcement, loaded with the first one (roots/media-events.ts). The image
  // previewer (sharp) is a chunk loaded when the first picture is previewed (roots/renditions.ts).
  // 462 KB (480 with SNS at cold start, 522 with zod 3 as well, 527 with the previewer's code).
  "roots/renditions": { maxBytes: 465 * KB, never: ["@aws-sdk/client-cognito-identity-provider"], notAtColdStart: ["@aws-sdk/client-sns"] },
  // 27 KB (api/health): Powertools Logger and the HTTP wrapper (38 with Powertools Metrics, which
  // only the functions that record a metric load now: metrics-sink.ts).
  none: { maxBytes: 30 * KB, never: ["@aws-sdk/client-s3", "@aws-sdk/client-sns", "@aws-sdk/client-dynamodb", "@aws-sdk/client-cognito-identity-provider", ...MEDIA_INSPECTION] },
};

const ROOTS = (Object.keys(BUDGETS) as Family[]).filter((f) => f !== "none");

/** The composition roots a bundle holds, from its esbuild inputs (one at most, which bundles.test.ts checks). */
export function rootsIn(inputs: ReadonlySet<string>): Family[] {
  return ROOTS.filter((root) => inputs.has(`packages/functions/src/${root}.ts`));
}

/**
 * The targets for the API routes, in KB at cold start: what `npm run bench` reports against.
 * The budgets above are what is enforced.
 */
export const TARGET_KB: Partial<Record<Family, number>> = {
  "roots/auth": 300,
  "roots/library": 600,
  "roots/account": 600,
  "roots/account-data": 600,
  "roots/account-export": 600,
};

/**
 * A function whose budget is not its family's, and why. `GET /openapi.json` uses no AWS service (family
 * `none`) but builds the document from the zod schemas at its cold start: zod and the generator.
 */
export const MODULE_BUDGETS: Readonly<Record<string, BundleBudget>> = {
  // 171 KB: zod 3 and, for the account routes' bodies, zod 4 mini and its JSON Schema generator
  // (146 while every schema was zod 3).
  "api/openapi": { ...BUDGETS.none, maxBytes: 174 * KB },
};

/** The budget a function is held to: its own when it has one, else its family's. */
export function budgetOf(module: string, family: Family): BundleBudget {
  return MODULE_BUDGETS[module] ?? BUDGETS[family];
}

/** Every function: the tracer (and the X-Ray SDK) only where tracing is on, loaded on demand. */
export const NEVER_AT_COLD_START = ["aws-xray-sdk-core", "@aws-lambda-powertools/tracer"];

/** The aggregate of every root, for tests and scripts: a handler importing it loads every family's clients. */
export const AGGREGATE = "packages/functions/src/services.ts";
