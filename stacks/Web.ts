import path from "node:path";
import { Duration, RemovalPolicy, type Stack } from "aws-cdk-lib";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import { Distribution, HttpVersion, PriceClass, ResponseHeadersPolicy, ViewerProtocolPolicy } from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { StaticSite, use, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { Api } from "./Api";
import { stageSettings, webHosts, type StageSettings } from "./settings";

/** The web app's package, relative to the project root (where SST runs). */
export const WEB_PACKAGE = "packages/web";

/**
 * Where the web app is served from, made before everything else.
 *
 * Why two stacks for one site: the app must be built with the API's URL (Api stack), and the media
 * bucket's CORS rules (Storage stack, which the Api stack depends on) must name the site's origin. A
 * StaticSite in one stack would need the Api before it and be needed by Storage: a cycle. The origin,
 * though, is a property of the CloudFront distribution alone, not of what is uploaded into it. So this
 * stack makes only the empty bucket and the distribution (its domain is then an output every later stack
 * can import), and the Web stack, last, builds the app with the API's URL and uploads it into them.
 * The order is WebHosting → Auth → Storage (CORS: the distribution's origin) → Api (CORS, likewise) →
 * Indexer → Web. A known custom domain (WEB_ORIGIN, with WEB_CERTIFICATE_ARN) is allowed as well; the
 * CloudFront origin stays allowed in every case, so a fresh stage works before any DNS is set up.
 */
export function WebHosting({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);

  const accessLogs = settings.isProd ? accessLogBucket(stack, settings) : undefined;

  // Only the built app lives here, which every deploy uploads again: nothing to keep when the stage goes.
  const bucket = new Bucket(stack, "Site", {
    ...(accessLogs ? { serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: ACCESS_LOG_PREFIX.site } : {}),
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });

  const domain = settings.webCertificateArn
    ? { domainNames: webHosts(settings), certificate: Certificate.fromCertificateArn(stack, "SiteCertificate", settings.webCertificateArn) }
    : {};

  const distribution = new Distribution(stack, "SiteCdn", {
    comment: `${app.name} ${app.stage} web app`,
    // Origin access control: the bucket stays private and answers CloudFront's signed requests only.
    defaultBehavior: {
      origin: S3BucketOrigin.withOriginAccessControl(bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
    },
    defaultRootObject: "index.html",
    // The app routes by path (/login, /library…): a path that is no file is the app's, so S3's answer
    // for a missing key (403 without s3:ListBucket, 404 with it) becomes index.html.
    errorResponses: [403, 404].map((httpStatus) => ({
      httpStatus,
      responseHttpStatus: 200,
      responsePagePath: "/index.html",
      ttl: Duration.seconds(0),
    })),
    httpVersion: HttpVersion.HTTP2_AND_3,
    priceClass: PriceClass.PRICE_CLASS_100,
    ...(accessLogs ? { enableLogging: true, logBucket: accessLogs, logFilePrefix: ACCESS_LOG_PREFIX.cdn } : {}),
    ...domain,
  });

  const url = `https://${distribution.distributionDomainName}`;
  stack.addOutputs({ SiteCloudFrontUrl: url });
  return {
    bucket,
    distribution,
    /** Prod only: where S3 and CloudFront write access logs (the media bucket's too, see Storage.ts). */
    accessLogs,
    /** The origins the browser app is served from: CORS of the bucket and the API allow exactly these. */
    origins: [...settings.webOrigins, url],
  };
}

/** Where each source writes in the access-log bucket. */
export const ACCESS_LOG_PREFIX = { site: "s3/site/", media: "s3/media/", cdn: "cloudfront/site/" } as const;
/** How long access logs are kept: long enough to investigate an incident reported late, no longer. */
export const ACCESS_LOG_RETENTION_DAYS = 90;

/**
 * The access logs of prod: who read or wrote which object of the media bucket (an audit trail the
 * application logs cannot give, since bytes never pass through a function) and the web app's requests.
 * CloudFront's standard logs are delivered with an ACL grant, so this bucket keeps ACLs enabled for the
 * log delivery only (BUCKET_OWNER_PREFERRED: objects still belong to the account); it is kept when the
 * stage is removed, like the data it describes.
 */
function accessLogBucket(stack: Stack, settings: StageSettings): Bucket {
  return new Bucket(stack, "AccessLogs", {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    removalPolicy: settings.dataRemovalPolicy,
  });
}

/** The web app built against this stage's API and uploaded into the WebHosting bucket, cache invalidated. */
export function Web({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const hosting = use(WebHosting);
  const { api } = use(Api);

  // Built outside packages/web/dist, which `npm start` serves (built for same-origin calls): a deploy
  // must not leave it a bundle pointing at AWS. SST's output folder is .sst/ for `sst deploy`, and the
  // synthesis's own temporary folder offline.
  const outDir = path.join(useProject().paths.out, "web", app.stage);

  const site = new StaticSite(stack, "Site", {
    path: WEB_PACKAGE,
    // NODE_ENV pinned: Vite keeps one it finds set (a test runner's "test"), and the JSX runtime then
    // builds in development mode.
    buildCommand: `NODE_ENV=production npm run build -- --outDir ${JSON.stringify(outDir)} --emptyOutDir`,
    buildOutput: path.relative(WEB_PACKAGE, outDir),
    environment: {
      // A token until deploy time: SST builds with the placeholder "{{ VITE_API_URL }}" and its uploader
      // writes the real URL into the .js and .html files as they go into the bucket.
      VITE_API_URL: api.customDomainUrl ?? api.url,
      // The per-file limit, so the app refuses an oversized file before sending anything.
      VITE_MAX_FILE_BYTES: String(settings.limits.maxFileBytes),
    },
    // SST writes a d.ts of these variables into src/ of a Vite app; packages/web declares them itself
    // (src/vite-env.d.ts, optional: same-origin by default), so the generated copy goes to SST's output.
    vite: { types: path.relative(WEB_PACKAGE, path.join(useProject().paths.out, "web", "sst-env.d.ts")) },
    // Each `sst dev` stage gets the same deployed site as a deploy would, talking to its live functions.
    dev: { deploy: true },
    cdk: { bucket: hosting.bucket, distribution: hosting.distribution },
  });

  stack.addOutputs({ SiteUrl: settings.webCertificateArn ? settings.webOrigins[0]! : hosting.origins.at(-1)! });
  return { site };
}
