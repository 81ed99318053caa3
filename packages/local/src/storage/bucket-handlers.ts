import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { encodeEventKey } from "@media/core/keys";
import { algorithmOfHeader } from "./checksums";
import { checkObjectKey, type StoredObject } from "./object-store";
import { prepareBody } from "./payload";
import { isClientAbort, notify, requestBody, send, sendXml, type RequestContext, type ServerDeps } from "./request-context";
import { authorize } from "./s3-authorization";
import { S3Error, S3Errors } from "./s3-errors";
import { parseDeleteRequest, S3_XMLNS, xmlElement } from "./s3-xml";

/**
 * A small XML request body (DeleteObjects, CompleteMultipartUpload), read whole under the same integrity
 * rules as an object's body; one over `maxBytes` is MalformedXML, as S3 answers it.
 */
export async function readXmlBody(ctx: RequestContext, maxBytes: number): Promise<string> {
  const body = prepareBody(ctx, ctx.auth?.payloadHash ?? "UNSIGNED-PAYLOAD");
  if (body.declaredLength > maxBytes) throw S3Errors.malformedXml();
  const chunks: Buffer[] = [];
  let size = 0;
  const collect = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(S3Errors.malformedXml());
      chunks.push(chunk);
      callback();
    },
  });
  try {
    await pipeline([requestBody(ctx.req), ...body.transforms, collect]);
  } catch (error) {
    if (error instanceof S3Error) throw error;
    if (isClientAbort(error)) throw S3Errors.incompleteBody();
    throw error;
  }
  const xml = Buffer.concat(chunks);
  body.verify({ size: xml.length, md5Hex: createHash("md5").update(xml).digest("hex") });
  return xml.toString("utf8");
}

/** Bucket-level calls: ListObjects (v1 and v2), DeleteObjects, HeadBucket, GetBucketLocation. */

const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The owner S3 names in listings: the account's canonical user id (64 hex digits). Locally one account
 * owns every bucket and object, so one stable id stands for it.
 */
const LOCAL_OWNER_ID = createHash("sha256").update("media-storage local account").digest("hex");
export const LOCAL_OWNER_XML = `<Owner>${xmlElement("ID", LOCAL_OWNER_ID)}${xmlElement("DisplayName", "local")}</Owner>`;

export function headBucket(ctx: RequestContext, deps: ServerDeps): void {
  send(ctx, 200, { "x-amz-bucket-region": deps.region });
}

export function getBucketLocation(ctx: RequestContext, deps: ServerDeps): void {
  // S3 answers an empty LocationConstraint for us-east-1.
  const region = deps.region === "us-east-1" ? "" : deps.region;
  sendXml(ctx, 200, `<LocationConstraint xmlns="${S3_XMLNS}">${region}</LocationConstraint>`);
}

export async function listObjects(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const listType = ctx.param("list-type");
  if (listType !== undefined && listType !== "2") throw S3Errors.invalidArgument("Invalid List Type specified", "list-type", listType);
  const v2 = listType === "2";
  const prefix = ctx.param("prefix") ?? "";
  const delimiter = ctx.param("delimiter") || undefined;
  const encodingType = ctx.param("encoding-type");
  if (encodingType !== undefined && encodingType !== "url") {
    throw S3Errors.invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType);
  }
  const maxKeysParam = ctx.param("max-keys");
  if (maxKeysParam !== undefined && !/^\d{1,10}$/.test(maxKeysParam)) {
    throw S3Errors.invalidArgument("Provided max-keys not an integer or within integer range", "max-keys", maxKeysParam);
  }
  const maxKeys = Math.min(maxKeysParam === undefined ? 1000 : Number(maxKeysParam), 1000);
  const continuationToken = v2 ? ctx.param("continuation-token") : undefined;
  const startAfter = v2 ? ctx.param("start-after") : undefined;
  const marker = v2 ? undefined : ctx.param("marker");
  // V1 always names each object's owner; V2 only when asked with fetch-owner=true.
  const withOwner = !v2 || ctx.param("fetch-owner") === "true";
  let after = marker ?? startAfter;
  // S3 reads an empty continuation token as none (and echoes it back empty).
  if (continuationToken !== undefined && continuationToken !== "") {
    after = decodeToken(continuationToken);
    if (after === undefined) throw S3Errors.invalidArgument("The continuation token provided is incorrect", "continuation-token", continuationToken);
  }

  const candidates = await deps.store.list(ctx.bucket!.name, prefix);
  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const object of candidates) {
    if (after !== undefined && (compareKeys(object.key, after) <= 0 || (delimiter && after.endsWith(delimiter) && object.key.startsWith(after)))) continue;
    let item = object.key;
    let isPrefix = false;
    if (delimiter) {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at !== -1) {
        item = object.key.slice(0, at + delimiter.length);
        isPrefix = true;
        if (commonPrefixes[commonPrefixes.length - 1] === item) continue;
      }
    }
    if (contents.length + commonPrefixes.length >= maxKeys) {
      // max-keys=0 asks for nothing, and S3 then says the listing is not truncated.
      truncated = maxKeys > 0;
      break;
    }
    if (isPrefix) commonPrefixes.push(item);
    else contents.push(object);
    last = item;
  }

  const encode = (value: string) => (encodingType === "url" ? encodeEventKey(value) : value);
  const parts: string[] = [xmlElement("Name", ctx.bucket!.name), xmlElement("Prefix", encode(prefix))];
  if (v2) {
    if (continuationToken !== undefined) parts.push(xmlElement("ContinuationToken", continuationToken));
    if (startAfter !== undefined) parts.push(xmlElement("StartAfter", encode(startAfter)));
    parts.push(xmlElement("KeyCount", contents.length + commonPrefixes.length));
  } else {
    parts.push(xmlElement("Marker", encode(marker ?? "")));
  }
  parts.push(xmlElement("MaxKeys", maxKeys));
  if (delimiter) parts.push(xmlElement("Delimiter", encode(delimiter)));
  if (encodingType) parts.push(xmlElement("EncodingType", encodingType));
  parts.push(xmlElement("IsTruncated", truncated));
  if (truncated && last !== undefined) {
    if (v2) parts.push(xmlElement("NextContinuationToken", encodeToken(last)));
    else if (delimiter) parts.push(xmlElement("NextMarker", encode(last)));
  }
  for (const object of contents) {
    parts.push(
      `<Contents>${xmlElement("Key", encode(object.key))}${xmlElement("LastModified", object.lastModified.toISOString())}${xmlElement("ETag", object.etag)}${Object.keys(
        object.checksums ?? {},
      )
        .map((a) => xmlElement("ChecksumAlgorithm", a))
        .join("")}${xmlElement("Size", object.size)}${withOwner ? LOCAL_OWNER_XML : ""}${xmlElement("StorageClass", "STANDARD")}</Contents>`,
    );
  }
  for (const commonPrefix of commonPrefixes) parts.push(`<CommonPrefixes>${xmlElement("Prefix", encode(commonPrefix))}</CommonPrefixes>`);
  sendXml(ctx, 200, `<ListBucketResult xmlns="${S3_XMLNS}">${parts.join("")}</ListBucketResult>`);
}

export async function deleteObjects(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const hasChecksum =
    ctx.header("content-md5") !== undefined || ctx.headerNames().some((name) => algorithmOfHeader(name) !== undefined) || ctx.header("x-amz-trailer") !== undefined;
  if (!hasChecksum) throw S3Errors.invalidRequest("Missing required header for this request: Content-MD5");
  const xml = await readXmlBody(ctx, MAX_DELETE_BODY_BYTES);

  const request = parseDeleteRequest(xml);
  if (!request || request.keys.length === 0 || request.keys.length > 1000) throw S3Errors.malformedXml();

  const results: string[] = [];
  for (const key of request.keys) {
    try {
      checkObjectKey(key);
      // Each key is authorized on its own, and a refused one is reported among the Errors.
      authorize(ctx, deps.iam, "s3:DeleteObject", key);
      const removed = await deps.store.delete(ctx.bucket!.name, key);
      if (removed) await notify(ctx, deps, { name: "ObjectRemoved:Delete", key, sequencer: removed.sequencer });
      if (!request.quiet) results.push(`<Deleted>${xmlElement("Key", key)}</Deleted>`);
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      results.push(`<Error>${xmlElement("Key", key)}${xmlElement("Code", error.code)}${xmlElement("Message", error.message)}</Error>`);
    }
  }
  sendXml(ctx, 200, `<DeleteResult xmlns="${S3_XMLNS}">${results.join("")}</DeleteResult>`);
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), "utf8").toString("base64url");
}

function decodeToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    return typeof parsed.after === "string" ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}
