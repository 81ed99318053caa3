import { pipeline } from "node:stream/promises";
import { checksumHeader, type ChecksumAlgorithm } from "./checksums";
import { checkUserMetadataSize, headerBytes, metadataHeaderValue } from "./header-text";
import { checkNoSseC, checkObjectOptions } from "./object-options";
import { checkObjectKey, type ObjectAttributes, type StoredObject } from "./object-store";
import { prepareBody, type BodyHeaders } from "./payload";
import { checkAtCommit, checkWriteCondition, parseWriteCondition } from "./write-conditions";
import { contentRange, evaluatePreconditions, parseRange } from "./range";
import { isClientAbort, notify, requestBody, send, type RequestContext, type ServerDeps } from "./request-context";
import { S3Error, S3Errors } from "./s3-errors";

/** GetObject, HeadObject, PutObject and DeleteObject on one key. Authentication happened before. */

/** Query parameters that override response headers on a signed GET/HEAD. */
const RESPONSE_OVERRIDES: ReadonlyArray<[string, string]> = [
  ["response-content-type", "Content-Type"],
  ["response-content-language", "Content-Language"],
  ["response-expires", "Expires"],
  ["response-cache-control", "Cache-Control"],
  ["response-content-disposition", "Content-Disposition"],
  ["response-content-encoding", "Content-Encoding"],
];

export async function getObject(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const head = ctx.method === "HEAD";
  const bucket = ctx.bucket!.name;
  const key = ctx.key!;
  checkObjectKey(key);
  checkNoSseC((name) => ctx.header(name));
  if (ctx.hasParam("partNumber")) throw S3Errors.notImplemented("partNumber is not supported by the local storage.");

  const opened = head ? undefined : await deps.store.openForRead(bucket, key);
  const object = head ? await deps.store.head(bucket, key) : opened?.object;
  if (!object) throw S3Errors.noSuchKey(key);
  let handle = opened?.handle;
  try {
    const validators = { ETag: object.etag, "Last-Modified": object.lastModified.toUTCString() };
    const outcome = evaluatePreconditions(
      {
        ifMatch: ctx.header("if-match"),
        ifNoneMatch: ctx.header("if-none-match"),
        ifModifiedSince: ctx.header("if-modified-since"),
        ifUnmodifiedSince: ctx.header("if-unmodified-since"),
      },
      { etag: object.etag, lastModified: object.lastModified },
    );
    if (outcome === "not-modified") return send(ctx, 304, validators);

    const range = parseRange(ctx.header("range"), object.size);
    if (range.kind === "unsatisfiable") throw S3Errors.invalidRange(ctx.header("range") ?? "", object.size);

    const headers: Record<string, string | number> = { ...objectHeaders(object), ...validators, "Accept-Ranges": "bytes" };
    for (const [param, header] of RESPONSE_OVERRIDES) {
      const value = ctx.param(param);
      if (value === undefined) continue;
      const bytes = headerBytes(value);
      if (bytes === undefined) throw S3Errors.invalidArgument("A response header override may not hold control characters.", param, value);
      headers[header] = bytes;
    }
    let start = 0;
    let end = object.size - 1;
    let status = 200;
    if (range.kind === "partial") {
      ({ start, end } = range);
      status = 206;
      headers["Content-Range"] = contentRange(start, end, object.size);
    } else if (ctx.header("x-amz-checksum-mode")?.toUpperCase() === "ENABLED" && object.checksums) {
      // Full-object checksums only describe the whole object, so S3 sends them only for whole-object reads.
      for (const [algorithm, value] of Object.entries(object.checksums)) headers[checksumHeader(algorithm as ChecksumAlgorithm)] = value;
      headers["x-amz-checksum-type"] = "FULL_OBJECT";
    }
    headers["Content-Length"] = range.kind === "partial" ? end - start + 1 : object.size;

    if (head || !handle || object.size === 0) {
      send(ctx, status, headers);
      return;
    }
    send(ctx, status, headers, undefined, { keepOpen: true });
    const stream = handle.createReadStream({ start, end, autoClose: true, highWaterMark: 1024 * 1024 });
    handle = undefined; // the stream owns it now
    try {
      await pipeline(stream, ctx.res);
    } catch (error) {
      // The client went away mid-download: nothing to answer.
      if (!isClientAbort(error)) deps.log.warn("s3 download interrupted", { error, requestId: ctx.requestId });
    }
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function putObject(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const bucket = ctx.bucket!.name;
  const key = ctx.key!;
  if (ctx.header("x-amz-copy-source") !== undefined) throw S3Errors.notImplemented("CopyObject is not supported by the local storage.");
  checkObjectKey(key);
  checkObjectOptions((name) => ctx.header(name), "x-amz-acl");
  const condition = parseWriteCondition((name) => ctx.header(name));
  if (condition) checkWriteCondition(condition, key, await deps.store.head(bucket, key));
  // Checksums in a presigned URL's query (x-amz-checksum-crc32=AAAAAA== from SDKs since 3.729) are not
  // read as headers: S3 ignores them (localstack#12169, aws-sdk-go-v2#2610), only real headers count.
  const body = prepareBody(ctx, ctx.auth?.payloadHash ?? "UNSIGNED-PAYLOAD");

  const attributes = attributesFromHeaders(ctx, body.contentEncoding);
  let stored: StoredObject;
  try {
    stored = await deps.store.write(bucket, key, requestBody(ctx.req), {
      transforms: body.transforms,
      attributes,
      beforeCommit: (written) => {
        const checksums = body.verify(written);
        if (Object.keys(checksums).length > 0) attributes.checksums = checksums;
      },
      ...(condition ? { atCommit: (current: StoredObject | undefined) => checkAtCommit(condition, key, current) } : {}),
      now: deps.now,
    });
  } catch (error) {
    if (error instanceof S3Error) throw error;
    if (isClientAbort(error)) throw S3Errors.incompleteBody();
    throw error;
  }
  await notify(ctx, deps, { name: "ObjectCreated:Put", key, size: stored.size, etag: stored.etag, sequencer: stored.sequencer });
  const headers: Record<string, string> = { ETag: stored.etag };
  for (const [algorithm, value] of Object.entries(stored.checksums ?? {})) {
    headers[checksumHeader(algorithm as ChecksumAlgorithm)] = value;
    headers["x-amz-checksum-type"] = "FULL_OBJECT";
  }
  send(ctx, 200, headers);
}

export async function deleteObject(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const key = ctx.key!;
  checkObjectKey(key);
  const removed = await deps.store.delete(ctx.bucket!.name, key);
  if (removed) await notify(ctx, deps, { name: "ObjectRemoved:Delete", key, sequencer: removed.sequencer });
  send(ctx, 204, {});
}

function objectHeaders(object: StoredObject): Record<string, string> {
  const stored: Record<string, string | undefined> = {
    "Content-Type": object.contentType,
    "Cache-Control": object.cacheControl,
    "Content-Disposition": object.contentDisposition,
    "Content-Encoding": object.contentEncoding,
    "Content-Language": object.contentLanguage,
    Expires: object.expires,
  };
  const headers: Record<string, string> = {};
  // Stored values were checked to be sendable when written; a value that is not (an older object) is left out.
  for (const [name, value] of Object.entries(stored)) {
    const bytes = value === undefined ? undefined : headerBytes(value);
    if (bytes !== undefined) headers[name] = bytes;
  }
  for (const [name, value] of Object.entries(object.userMetadata)) headers[`x-amz-meta-${name}`] = metadataHeaderValue(value);
  return headers;
}

export function attributesFromHeaders(ctx: BodyHeaders, contentEncoding: string | undefined): ObjectAttributes {
  const userMetadata: Record<string, string> = {};
  for (const name of ctx.headerNames()) if (name.startsWith("x-amz-meta-")) userMetadata[name.slice("x-amz-meta-".length)] = ctx.header(name) ?? "";
  const attributes: ObjectAttributes = { contentType: ctx.header("content-type") ?? "binary/octet-stream", userMetadata };
  const optional = {
    cacheControl: ctx.header("cache-control"),
    contentDisposition: ctx.header("content-disposition"),
    contentEncoding,
    contentLanguage: ctx.header("content-language"),
    expires: ctx.header("expires"),
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) Object.assign(attributes, { [name]: value });
  checkUserMetadataSize(userMetadata);
  return attributes;
}
