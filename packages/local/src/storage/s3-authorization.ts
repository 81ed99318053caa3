import type { LocalIam } from "../iam/local-iam";
import type { RequestContext } from "./request-context";
import { S3Error, S3Errors } from "./s3-errors";

/**
 * S3's authorization of a signed request, after its signature was verified: the action the operation
 * needs, on the bucket's or the object's ARN, asked of the signer's IAM policy (the local IAM). Without
 * an IAM (the storage's own tests), every valid signature is the bucket owner's and may do anything.
 */
export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

export function objectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

/** Throws S3's AccessDenied, with AWS's explanation, when the signer's policy does not allow `action`. */
export function authorize(ctx: RequestContext, iam: LocalIam | undefined, action: string, key?: string, context?: Record<string, string>): void {
  if (!iam || !ctx.auth || ctx.bucketName === undefined) return;
  const resource = key === undefined ? bucketArn(ctx.bucketName) : objectArn(ctx.bucketName, key);
  const result = iam.authorize(ctx.auth.accessKeyId, { action, resource, ...(context ? { context } : {}) });
  if (!result.allowed) throw S3Errors.accessDenied(result.message);
}

/** The action each routed operation needs; DeleteObjects asks s3:DeleteObject per key (bucket-handlers.ts). */
export function authorizeOperation(ctx: RequestContext, iam: LocalIam | undefined): void {
  if (ctx.key !== undefined && ctx.hasParam("uploadId")) {
    // S3 authorizes CreateMultipartUpload, UploadPart and CompleteMultipartUpload as s3:PutObject; listing
    // the parts and aborting are actions of their own.
    const action = { GET: "s3:ListMultipartUploadParts", PUT: "s3:PutObject", POST: "s3:PutObject", DELETE: "s3:AbortMultipartUpload" }[ctx.method];
    if (action) authorize(ctx, iam, action, ctx.key);
    return;
  }
  if (ctx.key !== undefined) {
    const action = { GET: "s3:GetObject", HEAD: "s3:GetObject", PUT: "s3:PutObject", POST: "s3:PutObject", DELETE: "s3:DeleteObject" }[ctx.method];
    if (action) authorize(ctx, iam, action, ctx.key);
    return;
  }
  if (ctx.method === "GET" && ctx.hasParam("location")) return authorize(ctx, iam, "s3:GetBucketLocation");
  if (ctx.method === "GET" && ctx.hasParam("uploads")) return authorize(ctx, iam, "s3:ListBucketMultipartUploads");
  if (ctx.method === "GET") {
    const prefix = ctx.param("prefix");
    return authorize(ctx, iam, "s3:ListBucket", undefined, prefix === undefined ? undefined : { "s3:prefix": prefix });
  }
  // HeadBucket is authorized as s3:ListBucket.
  if (ctx.method === "HEAD") return authorize(ctx, iam, "s3:ListBucket");
}

/**
 * S3 tells a missing key apart from a forbidden one only to a caller that may list the bucket: without
 * s3:ListBucket a GET or HEAD of a missing key answers 403 AccessDenied, not 404 NoSuchKey, so that
 * nobody learns which keys exist. Code that treats only 404 as "gone" meets this on AWS, so here too.
 */
export async function hideMissingKeys(ctx: RequestContext, iam: LocalIam | undefined, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (error instanceof S3Error && error.code === "NoSuchKey" && iam && ctx.auth && ctx.bucketName !== undefined) {
      if (!iam.allows(ctx.auth.accessKeyId, { action: "s3:ListBucket", resource: bucketArn(ctx.bucketName) })) throw S3Errors.accessDenied();
    }
    throw error;
  }
}
