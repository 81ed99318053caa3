import { Annotations, type Stack } from "aws-cdk-lib";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import { Api as HttpApi, use, type ApiDomainProps, type ApiRouteProps, type Function, type StackContext } from "sst/constructs";
import { AUTHORIZER_CACHE_SECONDS } from "@media/core/authorizer-settings";
import { ROUTES, routeKey } from "@media/core/routes";
import { Auth } from "./Auth";
import { type Access, configValues, environmentFor, mediaFunction, noticeSender, statementsFor } from "./lambda";
import { certificateRegion, stageSettings, type StageSettings } from "./settings";
import { DERIVED_PREFIX, Storage, UPLOAD_PREFIX } from "./Storage";
import { WebHosting } from "./Web";

/** The name of the Lambda authorizer in the Api construct; routes with `auth: true` use it. */
export const AUTHORIZER = "Bearer";
/** The authorizer's answers are not cached (why: packages/core/src/authorizer-settings.ts). */
export { AUTHORIZER_CACHE_SECONDS };
export const THROTTLE = { burst: 200, rate: 100 } as const;

/**
 * What each route's handler touches, keyed by ROUTES[].handler. A route without an entry fails the
 * synthesis: a new route must say what it needs rather than inherit a broad role. The DynamoDB actions
 * are the adapter's (packages/functions/src/adapters/dynamo-media-repository.ts): single-item Get, Put,
 * Update and Delete calls with conditions, and Query; no transactions.
 *
 * The auth routes call Cognito's public API (SignUp, ConfirmSignUp, ResendConfirmationCode, InitiateAuth,
 * ForgotPassword, ConfirmForgotPassword, and with the caller's own tokens RevokeToken and GlobalSignOut):
 * Cognito authorizes those by the client id or the token, so they need no IAM permission at all. The
 * exceptions are admin calls on this pool only: ListUsers, which sign-up (is the username taken?) and
 * login (which account has this username?) make, and AdminGetUser and AdminUserGlobalSignOut, with which
 * a password reset finds the account and signs it out everywhere. Logout and reset then write the
 * user's session cut (one UpdateItem, dynamo-session-cutoffs.ts).
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  "api/health": { config: false },
  // Generated from the route table in the function itself: no configuration, no resource.
  "api/openapi": { config: false },
  // The routes that mail or check a code count it first, per account and per client (one conditional
  // UpdateItem per limit, dynamo-rate-limiter.ts).
  "api/signup": { config: true, table: ["dynamodb:UpdateItem"], userPool: ["cognito-idp:ListUsers"] },
  "api/confirm": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/resend-code": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/login": { config: true, userPool: ["cognito-idp:ListUsers"] },
  "api/refresh": { config: true },
  "api/forgot-password": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/reset-password": { config: true, table: ["dynamodb:UpdateItem"], userPool: ["cognito-idp:AdminGetUser", "cognito-idp:AdminUserGlobalSignOut"] },
  "api/logout": { config: true, table: ["dynamodb:UpdateItem"] },
  // One transaction: the pending record and its marker put, the usage item's reservation added by a
  // conditional update (a transaction needs each action's own permission). When it does not fit: a Query
  // of the user's expired markers, released by transactions that delete them with their records.
  // The presigned POST or PUT is signed with this role, so the role itself must hold s3:PutObject (which
  // also creates a multipart upload); a multipart upload whose reservation did not fit is aborted.
  "api/upload": {
    config: true,
    limits: true,
    table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    query: "table",
    objects: { "s3:PutObject": [UPLOAD_PREFIX], "s3:AbortMultipartUpload": [UPLOAD_PREFIX] },
  },
  // Multipart uploads (core/multipart-upload.ts): the pending record read; part URLs signed (UploadPart is
  // s3:PutObject), parts listed, the upload completed (s3:PutObject).
  "api/sign-parts": { config: true, table: ["dynamodb:GetItem"], objects: { "s3:PutObject": [UPLOAD_PREFIX] } },
  "api/list-parts": { config: true, table: ["dynamodb:GetItem"], objects: { "s3:ListMultipartUploadParts": [UPLOAD_PREFIX] } },
  "api/complete-upload": {
    config: true,
    table: ["dynamodb:GetItem"],
    objects: { "s3:PutObject": [UPLOAD_PREFIX], "s3:ListMultipartUploadParts": [UPLOAD_PREFIX] },
  },
  // Listing and the views sign GET URLs for originals and thumbnails (same rule: the signer holds GetObject).
  "api/retrieve": { config: true, query: true, objects: { "s3:GetObject": [UPLOAD_PREFIX, DERIVED_PREFIX] } },
  "api/get-file": { config: true, table: ["dynamodb:GetItem"], objects: { "s3:GetObject": [UPLOAD_PREFIX, DERIVED_PREFIX] } },
  "api/download-file": { config: true, table: ["dynamodb:GetItem"], objects: { "s3:GetObject": [UPLOAD_PREFIX] } },
  "api/update-file": {
    config: true,
    table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    objects: { "s3:GetObject": [UPLOAD_PREFIX, DERIVED_PREFIX] },
  },
  // The object and its derived files (listed under derived/), the record (conditional delete) and the
  // usage item (read, then updated); then media.deleted; then the file's share links (queried, deleted).
  "api/delete-file": {
    config: true,
    table: ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"],
    query: "table",
    objects: { "s3:DeleteObject": [UPLOAD_PREFIX, DERIVED_PREFIX], "s3:AbortMultipartUpload": [UPLOAD_PREFIX] },
    listDerived: true,
    publish: true,
  },
  // The usage item only; the quota is configuration.
  "api/me": { config: true, limits: true, table: ["dynamodb:GetItem"] },
  // Share links (dynamo-share-repository.ts): the file record read, then the link's two items written,
  // listed (a Query of the file's items in the owner's partition), or read and deleted. Making a link
  // signs nothing: the URL is ours, not S3's.
  "api/share-file": { config: true, table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"] },
  "api/list-shares": { config: true, table: ["dynamodb:GetItem"], query: "table" },
  "api/revoke-share": { config: true, table: ["dynamodb:GetItem", "dynamodb:DeleteItem"] },
  // The public link: the lookup item and the file record read, then a presigned GET of the original, or of
  // its renditions under derived/ (`?rendition=preview` or `?rendition=stream`, what the landing page shows).
  "api/open-share": { config: true, table: ["dynamodb:GetItem"], objects: { "s3:GetObject": [UPLOAD_PREFIX, DERIVED_PREFIX] } },
  // Account security: Cognito's public API with the user's own token or sign-in session (ChangePassword,
  // GlobalSignOut, AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference, GetUser,
  // RespondToAuthChallenge, DeleteUser: no IAM). The session cut is one UpdateItem; TOTP codes are
  // counted like emailed ones (dynamo-rate-limiter.ts).
  "api/login-mfa": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/change-password": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/logout-everywhere": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/mfa-setup": { config: true },
  "api/mfa-verify": { config: true, table: ["dynamodb:UpdateItem"] },
  "api/mfa-disable": { config: true, table: ["dynamodb:UpdateItem"] },
  // UpdateUserAttributes and VerifyUserAttribute with the user's token; the code email and check counted.
  "api/change-email": { config: true, table: ["dynamodb:UpdateItem"] },
  // The verification also tells the old address (core/notices.ts), through SES when the stage has it.
  "api/verify-email": { config: true, table: ["dynamodb:UpdateItem"], notices: true },
  // The export lists the user's records (Query) and signs hour-long GETs of originals and thumbnails; a
  // manifest too large for a Lambda response is written beside the user's derived files and signed too.
  "api/export-account": { config: true, query: "table", objects: { "s3:GetObject": [UPLOAD_PREFIX, DERIVED_PREFIX], "s3:PutObject": [DERIVED_PREFIX] } },
  // Self-service purge (core/purge.ts): the user's objects listed and deleted under both prefixes, share
  // links queried and deleted, records and usage batch-deleted, the session cut written; account.deleted.
  "api/delete-account": {
    config: true,
    table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
    query: "table",
    objects: { "s3:DeleteObject": [UPLOAD_PREFIX, DERIVED_PREFIX] },
    listPrefixes: [UPLOAD_PREFIX, DERIVED_PREFIX],
    publish: true,
  },
};

/**
 * The authorizer verifies tokens against the pool's public JWKS (fetched over HTTPS, no IAM), then reads
 * the user's session cut.
 */
export const AUTHORIZER_ACCESS: Access = { config: true, table: ["dynamodb:GetItem"] };

/** The HTTP API: one route per ROUTES entry, the Lambda authorizer on exactly the `auth: true` ones. */
export function Api({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const auth = use(Auth);
  const storage = use(Storage);

  const notices = settings.email ? noticeSender(settings.email, stack) : undefined;
  if (!notices) {
    Annotations.of(stack).addWarningV2(
      "media-storage:no-notice-sender",
      "SES_FROM_EMAIL is not set: Cognito sends the codes with its own sender, which sends nothing else, so an old address is not told of an email change.",
    );
  }
  const values = configValues(storage, auth, notices);
  const targets = {
    tableArn: storage.table.tableArn,
    bucketArn: storage.bucket.bucketArn,
    topicArn: storage.topic.topicArn,
    userPoolArn: auth.userPoolArn,
    ...(notices ? { notices } : {}),
  };

  const make = (id: string, module: string, access: Access, timeoutSeconds: number, memoryMB: number): Function =>
    mediaFunction(stack, id, {
      module,
      description: `media-storage ${module}`,
      environment: environmentFor(access, values, settings.limits),
      permissions: statementsFor(access, targets),
      timeoutSeconds,
      memoryMB,
      logRemovalPolicy: settings.dataRemovalPolicy,
    });

  const authorizer = make("Authorizer", "authorizer", AUTHORIZER_ACCESS, 10, 256);

  const functions = new Map<string, Function>();
  const routes: Record<string, ApiRouteProps<typeof AUTHORIZER>> = {};
  for (const route of ROUTES) {
    const access = ROUTE_ACCESS[route.handler];
    if (!access) throw new Error(`stacks/Api.ts: no ROUTE_ACCESS entry for handler "${route.handler}" (${routeKey(route)})`);
    let fn = functions.get(route.handler);
    if (!fn) {
      // API Gateway gives up on an integration after 30 s; a handler that needs longer is a design error.
      fn = make(functionId(route.handler), route.handler, access, 10, 512);
      functions.set(route.handler, fn);
    }
    routes[routeKey(route)] = { function: fn, authorizer: route.auth ? AUTHORIZER : "none" };
  }

  const api = new HttpApi(stack, "Http", {
    authorizers: {
      [AUTHORIZER]: {
        type: "lambda",
        function: authorizer,
        // Payload 2.0 with simple responses: {isAuthorized, context}; the routes read context.userId.
        responseTypes: ["simple"],
        identitySource: ["$request.header.Authorization"],
        resultsCacheTtl: `${AUTHORIZER_CACHE_SECONDS} seconds`,
      },
    },
    defaults: {
      payloadFormatVersion: "2.0",
      throttle: { ...THROTTLE },
    },
    cors: {
      allowOrigins: use(WebHosting).origins,
      allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ["authorization", "content-type"],
      maxAge: "1 day",
    },
    routes,
    ...(settings.apiDomain ? { customDomain: apiCustomDomain(stack, settings.apiDomain) } : {}),
  });

  stack.addOutputs({ ApiUrl: api.customDomainUrl ?? api.url });
  // The name API_DOMAIN's DNS record points at (a CNAME), when the API has its own domain.
  const target = api.cdk.domainName?.regionalDomainName;
  if (target) stack.addOutputs({ ApiDomainTarget: target });
  return { api, authorizer, functions };
}

/** API_DOMAIN on API Gateway's regional endpoint, with its certificate from the stage's region. */
function apiCustomDomain(stack: Stack, domain: NonNullable<StageSettings["apiDomain"]>): ApiDomainProps {
  if (certificateRegion(domain.certificateArn) !== stack.region) {
    throw new Error(`API_CERTIFICATE_ARN must be in the stage's region (${stack.region}): API Gateway's regional endpoints use certificates from there`);
  }
  return {
    domainName: domain.domainName,
    // DNS is wherever the domain is hosted: the deploy prints ApiDomainTarget for its CNAME.
    isExternalDomain: true,
    cdk: { certificate: Certificate.fromCertificateArn(stack, "ApiCertificate", domain.certificateArn) },
  };
}

/** `api/get-file` → `ApiGetFile`: construct ids stable across route reordering. */
function functionId(module: string): string {
  return module
    .split(/[/-]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
