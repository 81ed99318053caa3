import { S3Errors } from "./s3-errors";

/**
 * Request options S3 refuses on this bucket and this endpoint, checked the same way for PutObject's
 * headers and a POST form's fields (names lower-cased in both):
 * - ACLs: buckets made since April 2023 have Object Ownership "bucket owner enforced", so S3 refuses any
 *   ACL but `bucket-owner-full-control` with 400 AccessControlListNotSupported (the product's bucket is
 *   one of them; accepting `public-read` silently would hide a deploy-time failure);
 * - SSE-C: customer-provided keys must travel over TLS, and this endpoint is plain HTTP, so S3's answer to
 *   any of those headers here is 400 InvalidRequest.
 */
const SSE_C = [
  "x-amz-server-side-encryption-customer-algorithm",
  "x-amz-server-side-encryption-customer-key",
  "x-amz-server-side-encryption-customer-key-md5",
  "x-amz-copy-source-server-side-encryption-customer-algorithm",
  "x-amz-copy-source-server-side-encryption-customer-key",
  "x-amz-copy-source-server-side-encryption-customer-key-md5",
];
const GRANTS = ["x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp", "x-amz-grant-write", "x-amz-grant-write-acp"];

/** Refuses SSE-C, for reads as for writes (S3 asks a read of an SSE-C object for the key too). */
export function checkNoSseC(value: (name: string) => string | undefined): void {
  if (SSE_C.some((name) => value(name) !== undefined)) throw S3Errors.insecureSseC();
}

/** Refuses what a write may not carry here: SSE-C keys and every ACL but the bucket owner's full control. */
export function checkObjectOptions(value: (name: string) => string | undefined, aclName: "x-amz-acl" | "acl"): void {
  checkNoSseC(value);
  const acl = value(aclName);
  if ((acl !== undefined && acl.trim() !== "bucket-owner-full-control") || GRANTS.some((name) => value(name) !== undefined)) {
    throw S3Errors.accessControlListNotSupported();
  }
}
