import { encodeEventKey } from "@media/core/keys";
import { attributesFromHeaders } from "./object-handlers";
import { LOCAL_OWNER_XML, readXmlBody } from "./bucket-handlers";
import { checksumHeader, type ChecksumAlgorithm } from "./checksums";
import { checkNoSseC, checkObjectOptions } from "./object-options";
import { checkObjectKey } from "./object-store";
import { MAX_PART_NUMBER } from "./multipart-store";
import { parseCompleteRequest } from "./multipart-xml";
import { prepareBody } from "./payload";
import { isClientAbort, notify, requestBody, send, sendXml, type RequestContext, type ServerDeps } from "./request-context";
import { S3Error, S3Errors } from "./s3-errors";
import { S3_XMLNS, xmlElement } from "./s3-xml";

/**
 * S3's multipart API on one key (CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload,
 * AbortMultipartUpload) and on the bucket (ListMultipartUploads). Authentication and the IAM check
 * happened before (s3-authorization.ts names each operation's action).
 */
/** A CompleteMultipartUpload body names at most 10,000 parts of about 100 bytes each. */
const MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024;
const MAX_LISTED = 1000;

export async function createMultipartUpload(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const key = ctx.key!;
  checkObjectKey(key);
  checkObjectOptions((name) => ctx.header(name), "x-amz-acl");
  // Per-upload checksum algorithms bind every part to one algorithm and add a checksum of checksums to the
  // object: not kept here, so refused rather than silently ignored. Parts' own checksum headers are checked.
  if (ctx.header("x-amz-checksum-algorithm") !== undefined) throw S3Errors.headerNotImplemented("x-amz-checksum-algorithm");
  const attributes = attributesFromHeaders(ctx, ctx.header("content-encoding"));
  const upload = await deps.multipart.create(ctx.bucket!.name, key, attributes, ctx.auth?.accessKeyId ?? "anonymous", deps.now());
  sendXml(
    ctx,
    200,
    `<InitiateMultipartUploadResult xmlns="${S3_XMLNS}">${xmlElement("Bucket", ctx.bucket!.name)}${xmlElement("Key", key)}${xmlElement("UploadId", upload.uploadId)}</InitiateMultipartUploadResult>`,
  );
}

export async function uploadPart(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const key = ctx.key!;
  checkObjectKey(key);
  if (ctx.header("x-amz-copy-source") !== undefined) throw S3Errors.notImplemented("UploadPartCopy is not supported by the local storage.");
  checkNoSseC((name) => ctx.header(name));
  const partNumber = parsePartNumber(ctx.param("partNumber"));
  const uploadId = ctx.param("uploadId") ?? "";
  // Refused before a byte is read: a part for an upload that is gone, or of another key, stores nothing.
  await deps.multipart.get(ctx.bucket!.name, key, uploadId);
  const body = prepareBody(ctx, ctx.auth?.payloadHash ?? "UNSIGNED-PAYLOAD");
  let part;
  try {
    part = await deps.multipart.writePart(ctx.bucket!.name, key, uploadId, partNumber, requestBody(ctx.req), {
      transforms: body.transforms,
      verify: (written) => body.verify(written),
      now: deps.now(),
    });
  } catch (error) {
    if (error instanceof S3Error) throw error;
    if (isClientAbort(error)) throw S3Errors.incompleteBody();
    throw error;
  }
  const headers: Record<string, string> = { ETag: part.etag };
  for (const [algorithm, value] of Object.entries(part.checksums ?? {})) headers[checksumHeader(algorithm as ChecksumAlgorithm)] = value;
  send(ctx, 200, headers);
}

export async function listParts(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const key = ctx.key!;
  const uploadId = ctx.param("uploadId") ?? "";
  const upload = await deps.multipart.get(ctx.bucket!.name, key, uploadId);
  const marker = parseCount(ctx.param("part-number-marker"), "part-number-marker", 0);
  const maxParts = Math.min(parseCount(ctx.param("max-parts"), "max-parts", MAX_LISTED), MAX_LISTED);
  const after = (await deps.multipart.parts(ctx.bucket!.name, key, uploadId)).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const initiator = `<Initiator>${xmlElement("ID", upload.initiator)}${xmlElement("DisplayName", upload.initiator)}</Initiator>`;
  const parts = page.map(
    (p) =>
      `<Part>${xmlElement("PartNumber", p.partNumber)}${xmlElement("LastModified", p.lastModified.toISOString())}${xmlElement("ETag", p.etag)}${xmlElement("Size", p.size)}${Object.entries(
        p.checksums ?? {},
      )
        .map(([algorithm, value]) => xmlElement(`Checksum${algorithm}`, value))
        .join("")}</Part>`,
  );
  sendXml(
    ctx,
    200,
    `<ListPartsResult xmlns="${S3_XMLNS}">${xmlElement("Bucket", ctx.bucket!.name)}${xmlElement("Key", key)}${xmlElement("UploadId", uploadId)}${initiator}${LOCAL_OWNER_XML}${xmlElement(
      "StorageClass",
      "STANDARD",
    )}${xmlElement("PartNumberMarker", marker)}${xmlElement("NextPartNumberMarker", page.at(-1)?.partNumber ?? marker)}${xmlElement("MaxParts", maxParts)}${xmlElement(
      "IsTruncated",
      truncated,
    )}${parts.join("")}</ListPartsResult>`,
  );
}

export async function completeMultipartUpload(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const key = ctx.key!;
  const uploadId = ctx.param("uploadId") ?? "";
  await deps.multipart.get(ctx.bucket!.name, key, uploadId);
  const requested = parseCompleteRequest(await readXmlBody(ctx, MAX_COMPLETE_BODY_BYTES));
  if (!requested || requested.length === 0) throw S3Errors.malformedXml();
  const stored = await deps.multipart.complete(ctx.bucket!.name, key, uploadId, requested, deps.now);
  await notify(ctx, deps, { name: "ObjectCreated:CompleteMultipartUpload", key, size: stored.size, etag: stored.etag, sequencer: stored.sequencer });
  const location = `${ctx.header("host") ? `http://${ctx.header("host")}` : ""}/${ctx.bucket!.name}/${encodeEventKey(key).replace(/\+/g, "%20")}`;
  sendXml(
    ctx,
    200,
    `<CompleteMultipartUploadResult xmlns="${S3_XMLNS}">${xmlElement("Location", location)}${xmlElement("Bucket", ctx.bucket!.name)}${xmlElement("Key", key)}${xmlElement(
      "ETag",
      stored.etag,
    )}</CompleteMultipartUploadResult>`,
  );
}

export async function abortMultipartUpload(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  await deps.multipart.abort(ctx.bucket!.name, ctx.key!, ctx.param("uploadId") ?? "");
  send(ctx, 204, {});
}

export async function listMultipartUploads(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const prefix = ctx.param("prefix") ?? "";
  const maxUploads = Math.min(parseCount(ctx.param("max-uploads"), "max-uploads", MAX_LISTED), MAX_LISTED);
  const keyMarker = ctx.param("key-marker") ?? "";
  const uploadIdMarker = ctx.param("upload-id-marker") ?? "";
  const all = await deps.multipart.list(ctx.bucket!.name, prefix);
  // S3's markers: uploads of keys after key-marker, or of key-marker itself after upload-id-marker.
  const markerIndex = uploadIdMarker === "" ? -1 : all.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker);
  const after = all.filter((u, i) => (keyMarker === "" ? true : u.key > keyMarker || (markerIndex !== -1 && u.key === keyMarker && i > markerIndex)));
  const page = after.slice(0, maxUploads);
  const truncated = after.length > page.length;
  const last = page.at(-1);
  const uploads = page.map(
    (u) =>
      `<Upload>${xmlElement("Key", u.key)}${xmlElement("UploadId", u.uploadId)}<Initiator>${xmlElement("ID", u.initiator)}${xmlElement(
        "DisplayName",
        u.initiator,
      )}</Initiator>${LOCAL_OWNER_XML}${xmlElement("StorageClass", "STANDARD")}${xmlElement("Initiated", u.initiated.toISOString())}</Upload>`,
  );
  sendXml(
    ctx,
    200,
    `<ListMultipartUploadsResult xmlns="${S3_XMLNS}">${xmlElement("Bucket", ctx.bucket!.name)}${xmlElement("KeyMarker", keyMarker)}${xmlElement(
      "UploadIdMarker",
      uploadIdMarker,
    )}${xmlElement("NextKeyMarker", truncated && last ? last.key : "")}${xmlElement("NextUploadIdMarker", truncated && last ? last.uploadId : "")}${xmlElement(
      "Prefix",
      prefix,
    )}${xmlElement("MaxUploads", maxUploads)}${xmlElement("IsTruncated", truncated)}${uploads.join("")}</ListMultipartUploadsResult>`,
  );
}

function parsePartNumber(value: string | undefined): number {
  if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PART_NUMBER) {
    throw S3Errors.invalidArgument(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, "partNumber", value ?? "");
  }
  return Number(value);
}

function parseCount(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw S3Errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Number(value);
}
