import { xmlDocument, xmlElement } from "./s3-xml";

/**
 * S3's errors, with S3's codes, statuses and messages, rendered as S3's XML body. Clients (the AWS SDK,
 * browsers reading a failed POST) branch on `Code`, so each refusal uses the code S3 itself sends.
 * `details` become extra child elements, as S3 adds `<Key>`, `<Condition>` or `<MaxSizeAllowed>`.
 */
export class S3Error extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, string | number>;
  /** Response headers S3 sends with this error (Allow for 405, x-amz-bucket-region for a wrong region). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, string | number | undefined>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "S3Error";
    this.status = status;
    this.code = code;
    this.details = {};
    for (const [name, value] of Object.entries(options.details ?? {})) if (value !== undefined) this.details[name] = value;
    this.headers = options.headers ?? {};
  }
}

type Details = Record<string, string | number | undefined>;

/** The catalogue: one factory per refusal, so a status never drifts from its code. */
export const S3Errors = {
  accessDenied: (message = "Access Denied", details?: Details) => new S3Error(403, "AccessDenied", message, { details }),
  policyRefused: (reason: string) => new S3Error(403, "AccessDenied", `Invalid according to Policy: ${reason}`),
  invalidAccessKeyId: (accessKeyId: string) =>
    new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
      details: { AWSAccessKeyId: accessKeyId },
    }),
  signatureDoesNotMatch: (details?: Details) =>
    new S3Error(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      { details },
    ),
  requestTimeTooSkewed: (requestTime: string, serverTime: Date) =>
    new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
      details: { RequestTime: requestTime, ServerTime: isoSeconds(serverTime), MaxAllowedSkewMilliseconds: 900000 },
    }),
  requestExpired: (expires: Date, serverTime: Date, xAmzExpires: string) =>
    new S3Error(403, "AccessDenied", "Request has expired", {
      details: { "X-Amz-Expires": xAmzExpires, Expires: isoSeconds(expires), ServerTime: isoSeconds(serverTime) },
    }),
  invalidToken: () => new S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid."),
  authorizationHeaderMalformed: (message: string, region?: string) =>
    new S3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; ${message}`, {
      details: { Region: region },
      ...(region ? { headers: { "x-amz-bucket-region": region } } : {}),
    }),
  authorizationQueryParametersError: (message: string, region?: string) =>
    new S3Error(400, "AuthorizationQueryParametersError", message, {
      details: { Region: region },
      ...(region ? { headers: { "x-amz-bucket-region": region } } : {}),
    }),
  unsupportedAuthorization: () =>
    new S3Error(400, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(400, "InvalidArgument", message, { details: { ArgumentName: name, ArgumentValue: value } }),
  invalidRequest: (message: string) => new S3Error(400, "InvalidRequest", message),
  invalidUri: () => new S3Error(400, "InvalidURI", "Couldn't parse the specified URI."),
  invalidBucketName: (bucket: string) =>
    new S3Error(400, "InvalidBucketName", "The specified bucket is not valid.", { details: { BucketName: bucket } }),
  keyTooLong: (size: number) =>
    new S3Error(400, "KeyTooLongError", "Your key is too long", { details: { Size: size, MaxSizeAllowed: 1024 } }),
  noSuchBucket: (bucket: string) =>
    new S3Error(404, "NoSuchBucket", "The specified bucket does not exist", { details: { BucketName: bucket } }),
  noSuchKey: (key: string) => new S3Error(404, "NoSuchKey", "The specified key does not exist.", { details: { Key: key } }),
  invalidRange: (range: string, size: number) =>
    new S3Error(416, "InvalidRange", "The requested range is not satisfiable", {
      details: { RangeRequested: range, ActualObjectSize: size },
      headers: { "Content-Range": `bytes */${size}` },
    }),
  preconditionFailed: (condition: string) =>
    new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      details: { Condition: condition },
    }),
  conditionalRequestConflict: () =>
    new S3Error(409, "ConditionalRequestConflict", "A conflicting operation occurred. If using PutObject you can retry the request."),
  metadataTooLarge: (size: number, max: number) =>
    new S3Error(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size", { details: { Size: size, MaxSizeAllowed: max } }),
  accessControlListNotSupported: () => new S3Error(400, "AccessControlListNotSupported", "The bucket does not allow ACLs"),
  insecureSseC: () =>
    new S3Error(400, "InvalidRequest", "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."),
  requestTimeout: () =>
    new S3Error(400, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."),
  requestHeaderSectionTooLarge: (max: number) =>
    new S3Error(400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.", { details: { MaxSizeAllowed: max } }),
  badRequest: () => new S3Error(400, "BadRequest", "An error occurred when parsing the HTTP request."),
  expectationFailed: (expectation: string) =>
    new S3Error(417, "ExpectationFailed", "The only expectation the server supports is 100-continue.", { details: { Expect: expectation } }),
  methodNotAllowed: (method: string, resourceType: "OBJECT" | "BUCKET" | "SERVICE", allow: string) =>
    new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", {
      details: { Method: method, ResourceType: resourceType },
      headers: { Allow: allow },
    }),
  notImplemented: (what = "A header you provided implies functionality that is not implemented") =>
    new S3Error(501, "NotImplemented", what),
  headerNotImplemented: (header: string) =>
    new S3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented", { details: { Header: header } }),
  malformedPost: (message = "The body of your POST request is not well-formed multipart/form-data.") =>
    new S3Error(400, "MalformedPOSTRequest", message),
  maxPostPreDataLengthExceeded: () =>
    new S3Error(400, "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large."),
  invalidPolicyDocument: (message: string) => new S3Error(400, "InvalidPolicyDocument", `Invalid Policy: ${message}`),
  entityTooSmall: (proposedSize: number, min: number) =>
    new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
      details: { ProposedSize: proposedSize, MinSizeAllowed: min },
    }),
  entityTooLarge: (proposedSize: number, max: number) =>
    new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
      details: { ProposedSize: proposedSize, MaxSizeAllowed: max },
    }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", {
      details: { UploadId: uploadId },
    }),
  invalidPart: (partNumber: number, etag: string) =>
    new S3Error(
      400,
      "InvalidPart",
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      { details: { PartNumber: partNumber, ETag: etag } },
    ),
  invalidPartOrder: () =>
    new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number."),
  partTooSmall: (proposedSize: number, min: number, partNumber: number, etag: string) =>
    new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
      details: { ProposedSize: proposedSize, MinSizeAllowed: min, PartNumber: partNumber, ETag: etag },
    }),
  incompleteBody: (message = "The request body terminated unexpectedly") => new S3Error(400, "IncompleteBody", message),
  missingContentLength: () => new S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header."),
  badDigest: (message = "The Content-MD5 you specified did not match what we received.") => new S3Error(400, "BadDigest", message),
  invalidDigest: (message = "The Content-MD5 you specified was invalid.") => new S3Error(400, "InvalidDigest", message),
  contentSha256Mismatch: (client: string, computed: string) =>
    new S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      details: { ClientComputedContentSHA256: client, S3ComputedContentSHA256: computed },
    }),
  malformedXml: () =>
    new S3Error(
      400,
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
    ),
  corsNotEnabled: () => new S3Error(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket."),
  corsForbidden: (method: string) =>
    new S3Error(
      403,
      "AccessForbidden",
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      { details: { Method: method, ResourceType: "OBJECT" } },
    ),
  corsBadRequest: (message: string) => new S3Error(400, "BadRequest", message),
  internal: (cause?: unknown) =>
    new S3Error(500, "InternalError", "We encountered an internal error. Please try again.", { cause }),
};

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The XML body S3 sends for an error. */
export function renderS3Error(error: S3Error, requestId: string, hostId: string): string {
  const children = [
    xmlElement("Code", error.code),
    xmlElement("Message", error.message),
    ...Object.entries(error.details).map(([name, value]) => xmlElement(name, String(value))),
    xmlElement("RequestId", requestId),
    xmlElement("HostId", hostId),
  ];
  return xmlDocument(`<Error>${children.join("")}</Error>`);
}
