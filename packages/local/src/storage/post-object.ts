import { Readable, Transform, type TransformCallback } from "node:stream";
import busboy from "busboy";
import { checkUserMetadataSize, headerBytes } from "./header-text";
import { checkObjectOptions } from "./object-options";
import { checkObjectKey, type ObjectAttributes, type StoredObject } from "./object-store";
import { formChecksum } from "./post-checksum";
import { checkPostPolicy, decodePostPolicy, substituteFilename, successStatus, type LengthRange } from "./post-policy";
import { discardRestOfBody, isClientAbort, notify, send, sendXml, type RequestContext, type ServerDeps } from "./request-context";
import { S3Error, S3Errors } from "./s3-errors";
import { uriEscape } from "./sigv4";
import { xmlElement } from "./s3-xml";
import { authorize as authorizeAction } from "./s3-authorization";

/**
 * Browser POST upload (POST Object), as S3 runs it: read the form fields up to the `file` part (fields
 * after it are ignored), check the signature over the policy and every policy rule, and only then stream
 * the file to disk, counting bytes against content-length-range as they arrive. The object becomes
 * visible only once the whole multipart body has been read without fault; anything else leaves no file.
 */

/** S3 refuses more than 20 KB of form data before the file. */
const MAX_PRE_DATA_BYTES = 20 * 1024;
const STREAM_BUFFER_BYTES = 1024 * 1024;

export async function postObject(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const bucket = ctx.bucket!;
  const contentType = ctx.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw S3Errors.preconditionFailed("Bucket POST must be of the enclosure-type multipart/form-data");
  }
  const form = readForm(ctx);
  try {
    const { fields, file, filename } = await form.untilFile;
    const accepted = await authorize(ctx, deps, fields, filename);

    const limiter = new LengthLimiter(accepted.range);
    const checksum = formChecksum(fields);
    const attributes = attributesFrom(fields);
    let stored: StoredObject;
    try {
      stored = await deps.store.write(bucket.name, accepted.key, file, {
        transforms: checksum ? [limiter, checksum.tap] : [limiter],
        attributes,
        beforeCommit: async () => {
          // The file part ended; the object exists only if the rest of the body is well-formed too.
          await form.bodyDone;
          if (checksum) attributes.checksums = checksum.verify();
        },
        now: deps.now,
      });
    } catch (error) {
      throw form.failure() ?? asUploadError(error);
    }
    await notify(ctx, deps, { name: "ObjectCreated:Post", key: stored.key, size: stored.size, etag: stored.etag, sequencer: stored.sequencer });
    respond(ctx, fields, stored);
  } catch (error) {
    form.abandon();
    throw asUploadError(error);
  }
}

interface ParsedForm {
  /** Lower-cased field names (S3's are case-insensitive) to values, fields before the file only. */
  fields: Map<string, string>;
  file: Readable;
  filename: string | undefined;
}

interface FormReader {
  /** Resolves with the fields once the file part starts; rejects with S3's refusal of the form. */
  untilFile: Promise<ParsedForm>;
  /** Resolves once the whole multipart body has been read and was well-formed. */
  bodyDone: Promise<void>;
  /** Why the body failed (malformed multipart, cut off), once it has. */
  failure(): S3Error | undefined;
  /** Stops reading: the rest of the body is dropped, never stored. */
  abandon(): void;
}

function readForm(ctx: RequestContext): FormReader {
  const { req } = ctx;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: "utf8",
      // Larger buffers than the 16 KB default: fewer, bigger writes for large files; still bounded.
      highWaterMark: STREAM_BUFFER_BYTES,
      fileHwm: STREAM_BUFFER_BYTES,
      limits: { fieldSize: MAX_PRE_DATA_BYTES + 1, fieldNameSize: 1024, parts: 1000, headerPairs: 100 },
    });
  } catch {
    const failed = Promise.reject(S3Errors.malformedPost());
    failed.catch(() => undefined);
    return { untilFile: failed, bodyDone: failed, failure: () => undefined, abandon: () => discardRestOfBody(req) };
  }

  const fields = new Map<string, string>();
  let preDataBytes = 0;
  let fileSeen = false;
  let settleFile: { resolve(form: ParsedForm): void; reject(error: unknown): void } | undefined;
  const untilFile = new Promise<ParsedForm>((resolve, reject) => (settleFile = { resolve, reject }));
  const fail = (error: unknown) => settleFile?.reject(error);

  let failure: S3Error | undefined;
  const bodyDone = new Promise<void>((resolve, reject) => {
    parser.once("finish", resolve);
    // `on`, not `once`: busboy can emit again when abandoned, and an unheard 'error' would end the process.
    parser.on("error", (error) => {
      failure ??= error instanceof S3Error ? error : S3Errors.malformedPost();
      reject(failure);
    });
    parser.once("close", () => reject(S3Errors.incompleteBody()));
  });
  bodyDone.then(
    () => {
      if (!fileSeen) fail(S3Errors.invalidArgument("POST requires exactly one file upload per request.", "file", "0"));
    },
    (error) => fail(error),
  );

  parser.on("field", (name, value, info) => {
    if (fileSeen) return; // S3 ignores everything after the file
    preDataBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (info.valueTruncated || info.nameTruncated || preDataBytes > MAX_PRE_DATA_BYTES) return fail(S3Errors.maxPostPreDataLengthExceeded());
    const lower = name.toLowerCase();
    if (lower === "file") {
      // A `file` part without a filename arrives as a field; S3 takes its value as the content.
      fileSeen = true;
      settleFile?.resolve({ fields, file: Readable.from([Buffer.from(value, "utf8")]), filename: undefined });
      return;
    }
    if (fields.has(lower)) return fail(S3Errors.invalidArgument(`Form field '${name}' appears more than once.`, name, value));
    fields.set(lower, value);
  });
  parser.on("file", (name, stream, info) => {
    // Busboy destroys a part's stream with an error when the body breaks or is abandoned; the failure is
    // reported through `bodyDone`/`failure`, so a stream nobody reads must not raise it unheard.
    stream.on("error", ignore);
    if (fileSeen) {
      stream.resume();
      return;
    }
    if (name.toLowerCase() !== "file") {
      stream.resume();
      return fail(S3Errors.malformedPost(`Only the form part named 'file' may carry a file; got '${name}'.`));
    }
    fileSeen = true;
    settleFile?.resolve({ fields, file: stream, filename: info.filename });
  });

  // Not stream.pipeline: on a refusal we want to answer, not to destroy the client's socket.
  const onAbort = () => {
    if (!req.complete) parser.destroy(S3Errors.incompleteBody());
  };
  req.once("error", onAbort);
  req.once("close", onAbort);
  req.pipe(parser);

  return {
    untilFile,
    bodyDone,
    failure: () => failure,
    abandon() {
      req.off("error", onAbort);
      req.off("close", onAbort);
      discardRestOfBody(req);
      parser.destroy();
    },
  };
}

interface Accepted {
  key: string;
  range: LengthRange;
}

async function authorize(ctx: RequestContext, deps: ServerDeps, fields: Map<string, string>, filename: string | undefined): Promise<Accepted> {
  const key = fields.get("key");
  if (key === undefined) {
    throw S3Errors.invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", "key", "");
  }
  const signatureFields = ["policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"];
  if (fields.has("awsaccesskeyid") || fields.has("signature")) throw S3Errors.unsupportedAuthorization();
  // No policy and no signature: an anonymous upload, which a private bucket refuses.
  if (signatureFields.every((name) => !fields.has(name))) throw S3Errors.accessDenied();
  for (const name of signatureFields) {
    if (!fields.has(name)) {
      throw S3Errors.invalidArgument(
        `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
        name,
        "",
      );
    }
  }
  const policyText = fields.get("policy")!;
  ctx.auth = await deps.verifier.verifyPostSignature({
    algorithm: fields.get("x-amz-algorithm")!,
    credential: fields.get("x-amz-credential")!,
    date: fields.get("x-amz-date")!,
    signature: fields.get("x-amz-signature")!,
    policy: policyText,
    securityToken: fields.get("x-amz-security-token"),
  });
  const policy = decodePostPolicy(policyText);
  const finalKey = substituteFilename(key, filename);
  const checked = new Map(fields);
  checked.set("key", finalKey);
  const range = checkPostPolicy(policy, { bucket: ctx.bucket!.name, fields: checked, now: deps.now() });
  checkObjectKey(finalKey);
  checkObjectOptions((name) => fields.get(name), "acl");
  // The form carries the authority of whoever signed its policy: that signer must hold s3:PutObject.
  authorizeAction(ctx, deps.iam, "s3:PutObject", finalKey);
  return { key: finalKey, range };
}

/** What S3 stores from the form: Content-Type and the other REST headers, x-amz-meta-*. */
function attributesFrom(fields: Map<string, string>): ObjectAttributes {
  const userMetadata: Record<string, string> = {};
  for (const [name, value] of fields) if (name.startsWith("x-amz-meta-")) userMetadata[name.slice("x-amz-meta-".length)] = value;
  const attributes: ObjectAttributes = { contentType: "binary/octet-stream", userMetadata };
  const optional = {
    contentType: fields.get("content-type"),
    cacheControl: fields.get("cache-control"),
    contentDisposition: fields.get("content-disposition"),
    contentEncoding: fields.get("content-encoding"),
    contentLanguage: fields.get("content-language"),
    expires: fields.get("expires"),
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value === undefined) continue;
    // A form field can hold what no header can (a line break); refused here, since it is answered as a header.
    if (headerBytes(value) === undefined) throw S3Errors.invalidArgument("Form fields sent back as headers may not hold control characters.", name, value);
    Object.assign(attributes, { [name]: value });
  }
  checkUserMetadataSize(userMetadata);
  return attributes;
}

function respond(ctx: RequestContext, fields: Map<string, string>, stored: StoredObject): void {
  const host = ctx.header("host") ?? "127.0.0.1";
  const location = `http://${host}/${uriEscape(ctx.bucket!.name)}/${stored.key.split("/").map(uriEscape).join("/")}`;
  const redirect = parseRedirect(fields.get("success_action_redirect") ?? fields.get("redirect"));
  if (redirect) {
    redirect.searchParams.set("bucket", ctx.bucket!.name);
    redirect.searchParams.set("key", stored.key);
    redirect.searchParams.set("etag", stored.etag);
    send(ctx, 303, { Location: redirect.toString(), ETag: stored.etag });
    return;
  }
  const status = successStatus(fields.get("success_action_status"));
  if (status === 201) {
    const body = `<PostResponse>${xmlElement("Location", location)}${xmlElement("Bucket", ctx.bucket!.name)}${xmlElement("Key", stored.key)}${xmlElement("ETag", stored.etag)}</PostResponse>`;
    sendXml(ctx, 201, body, { ETag: stored.etag, Location: location });
    return;
  }
  send(ctx, status, { ETag: stored.etag, Location: location });
}

/** S3 ignores a success_action_redirect that is not a URL. */
function parseRedirect(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Counts the file's bytes against content-length-range, failing the moment the maximum is passed. */
class LengthLimiter extends Transform {
  private seen = 0;
  constructor(private readonly range: LengthRange) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.range.max) return callback(S3Errors.entityTooLarge(this.seen, this.range.max));
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.seen < this.range.min) return callback(S3Errors.entityTooSmall(this.seen, this.range.min));
    callback();
  }
}

function ignore(): void {}

function asUploadError(error: unknown): unknown {
  if (error instanceof S3Error) return error;
  if (isClientAbort(error)) return S3Errors.incompleteBody();
  return error;
}
