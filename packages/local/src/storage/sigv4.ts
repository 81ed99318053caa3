import { timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { ALGORITHM_IDENTIFIER, SignatureV4 } from "@smithy/signature-v4";
import { S3Error, S3Errors } from "./s3-errors";

/**
 * SigV4 verification for the three ways S3 requests are signed: the Authorization header (the SDK's
 * calls), query parameters (presigned URLs) and the POST policy signature (browser uploads).
 *
 * The signature itself is computed by @smithy/signature-v4, the signer the AWS SDK uses, over the
 * canonical request rebuilt from what arrived: S3's flavour (path encoded once, never normalised; the
 * payload hash taken from x-amz-content-sha256 or UNSIGNED-PAYLOAD for presigned URLs), exactly the
 * headers the client says it signed, and every query parameter but the signature. The result is compared
 * in constant time. Everything here runs before a handler may touch the disk.
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry this session token (X-Amz-Security-Token), as with STS credentials. */
  sessionToken?: string;
}

/** A request as it arrived, in the shape verification needs. */
export interface IncomingSignedRequest {
  method: string;
  /** The path exactly as sent, still percent-encoded, without the query. */
  rawPath: string;
  /** Decoded query parameters in the order sent. */
  query: ReadonlyArray<readonly [string, string]>;
  /** A header's value, repeated headers joined by "," (the canonical form); undefined when absent. */
  header(name: string): string | undefined;
  /** Lower-cased names of every header present. */
  headerNames(): string[];
}

export interface Authenticated {
  accessKeyId: string;
  via: "header" | "query" | "post-policy";
  /** What the client declared as the payload hash (x-amz-content-sha256, or UNSIGNED-PAYLOAD). */
  payloadHash: string;
}

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const PAYLOAD_MODES = new Set([
  "UNSIGNED-PAYLOAD",
  "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
]);
const CREDENTIAL_SHAPE = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"';

/** The SDK's signer, with the two steps it keeps protected opened up so a received request can be re-signed. */
class CanonicalSigner extends SignatureV4 {
  canonicalRequest(request: HttpRequest, headers: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, headers, payloadHash);
  }
  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER);
  }
}

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

export class SigV4Verifier {
  private readonly signers = new Map<string, { signer: CanonicalSigner; credentials: S3Credentials }>();

  constructor(private readonly options: { region: string; credentials: S3Credentials | S3Credentials[] }) {
    const all = Array.isArray(options.credentials) ? options.credentials : [options.credentials];
    for (const credentials of all) {
      const signer = new CanonicalSigner({
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
        region: options.region,
        service: "s3",
        sha256: Hash.bind(null, "sha256"),
        uriEscapePath: false,
        applyChecksum: false,
      });
      this.signers.set(credentials.accessKeyId, { signer, credentials });
    }
  }

  /** Checks the request's signature; undefined when it carries none (anonymous), throws S3's refusal otherwise. */
  async verifyRequest(request: IncomingSignedRequest, now: Date): Promise<Authenticated | undefined> {
    const authorization = request.header("authorization");
    const viaQuery = request.query.some(([name]) => name === "X-Amz-Algorithm" || name === "X-Amz-Credential");
    if (authorization !== undefined && viaQuery) {
      throw S3Errors.invalidArgument(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        "Authorization",
      );
    }
    if (authorization !== undefined) return this.verifyHeaderAuth(request, authorization, now);
    if (viaQuery) return this.verifyQueryAuth(request, now);
    if (request.query.some(([name]) => name === "Signature" || name === "AWSAccessKeyId")) throw S3Errors.unsupportedAuthorization();
    return undefined;
  }

  private async verifyHeaderAuth(request: IncomingSignedRequest, authorization: string, now: Date): Promise<Authenticated> {
    const space = authorization.indexOf(" ");
    const algorithm = space === -1 ? authorization : authorization.slice(0, space);
    if (algorithm === "AWS") throw S3Errors.unsupportedAuthorization();
    if (algorithm !== ALGORITHM_IDENTIFIER) throw S3Errors.invalidArgument("Unsupported Authorization Type", "Authorization", authorization);

    const parts = new Map<string, string>();
    for (const component of authorization.slice(space + 1).split(",")) {
      const eq = component.indexOf("=");
      if (eq > 0) parts.set(component.slice(0, eq).trim(), component.slice(eq + 1).trim());
    }
    const credential = parts.get("Credential");
    const signedHeaderList = parts.get("SignedHeaders");
    const signature = parts.get("Signature");
    if (credential === undefined || signedHeaderList === undefined || signature === undefined) {
      throw S3Errors.authorizationHeaderMalformed(
        "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
      );
    }
    const scope = parseCredential(credential);
    if (!scope) throw S3Errors.authorizationHeaderMalformed(`the Credential is mal-formed; expecting ${CREDENTIAL_SHAPE}.`);

    const amzDate = request.header("x-amz-date");
    const httpDate = request.header("date");
    const requestTime = amzDate !== undefined ? parseLongDate(amzDate) : httpDate !== undefined ? parseHttpDate(httpDate) : undefined;
    if (!requestTime) throw S3Errors.accessDenied("AWS authentication requires a valid Date or x-amz-date header");
    if (Math.abs(now.getTime() - requestTime.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw S3Errors.requestTimeTooSkewed(amzDate ?? httpDate ?? "", now);
    }
    const longDate = toLongDate(requestTime);
    if (scope.date !== longDate.slice(0, 8)) {
      throw S3Errors.authorizationHeaderMalformed(`Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${longDate.slice(0, 8)}".`);
    }
    if (scope.region !== this.options.region) {
      throw S3Errors.authorizationHeaderMalformed(`the region '${scope.region}' is wrong; expecting '${this.options.region}'`, this.options.region);
    }
    if (scope.service !== "s3") throw S3Errors.authorizationHeaderMalformed(`incorrect service '${scope.service}'. This endpoint belongs to 's3'.`);
    if (scope.terminator !== "aws4_request") {
      throw S3Errors.authorizationHeaderMalformed(`incorrect terminal '${scope.terminator}'. This endpoint uses 'aws4_request'.`);
    }
    const entry = this.signers.get(scope.accessKeyId);
    if (!entry) throw S3Errors.invalidAccessKeyId(scope.accessKeyId);

    const payloadHash = request.header("x-amz-content-sha256");
    if (payloadHash === undefined) throw S3Errors.invalidRequest("Missing required header for this request: x-amz-content-sha256");
    if (!PAYLOAD_MODES.has(payloadHash) && !HEX_SHA256.test(payloadHash)) {
      throw S3Errors.invalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.",
        "x-amz-content-sha256",
        payloadHash,
      );
    }
    checkSessionToken(entry.credentials, request.header("x-amz-security-token"));
    const signedHeaders = parseSignedHeaders(signedHeaderList, request);

    await this.compare(entry.signer, request, { scope, longDate, requestTime, signedHeaders, payloadHash, signature, accessKeyId: scope.accessKeyId });
    return { accessKeyId: scope.accessKeyId, via: "header", payloadHash };
  }

  private async verifyQueryAuth(request: IncomingSignedRequest, now: Date): Promise<Authenticated> {
    const param = (name: string) => request.query.find(([n]) => n === name)?.[1];
    const algorithm = param("X-Amz-Algorithm");
    if (algorithm !== ALGORITHM_IDENTIFIER) {
      throw S3Errors.authorizationQueryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    }
    const credential = param("X-Amz-Credential");
    const amzDate = param("X-Amz-Date");
    const expires = param("X-Amz-Expires");
    const signedHeaderList = param("X-Amz-SignedHeaders");
    const signature = param("X-Amz-Signature");
    if (credential === undefined || amzDate === undefined || expires === undefined || signedHeaderList === undefined || signature === undefined) {
      throw S3Errors.authorizationQueryParametersError(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
      );
    }
    const requestTime = parseLongDate(amzDate);
    if (!requestTime) throw S3Errors.authorizationQueryParametersError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    if (!/^\d+$/.test(expires)) throw S3Errors.authorizationQueryParametersError("X-Amz-Expires should be a number");
    const expiresSeconds = Number(expires);
    if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
      throw S3Errors.authorizationQueryParametersError(
        "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds",
      );
    }
    const scope = parseCredential(credential);
    if (!scope) {
      throw S3Errors.authorizationQueryParametersError(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting ${CREDENTIAL_SHAPE}.`);
    }
    if (scope.date !== amzDate.slice(0, 8)) {
      throw S3Errors.authorizationQueryParametersError(`Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
    }
    if (scope.region !== this.options.region) {
      throw S3Errors.authorizationQueryParametersError(
        `Error parsing the X-Amz-Credential parameter; the region '${scope.region}' is wrong; expecting '${this.options.region}'`,
        this.options.region,
      );
    }
    if (scope.service !== "s3") {
      throw S3Errors.authorizationQueryParametersError(`Error parsing the X-Amz-Credential parameter; incorrect service "${scope.service}". This endpoint belongs to "s3".`);
    }
    if (scope.terminator !== "aws4_request") {
      throw S3Errors.authorizationQueryParametersError(`Error parsing the X-Amz-Credential parameter; incorrect terminal "${scope.terminator}". This endpoint uses "aws4_request".`);
    }
    const entry = this.signers.get(scope.accessKeyId);
    if (!entry) throw S3Errors.invalidAccessKeyId(scope.accessKeyId);

    // Presigned URLs are not held to the 15-minute skew, only to their window.
    if (requestTime.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) throw S3Errors.accessDenied("Request is not valid yet");
    const expiresAt = new Date(requestTime.getTime() + expiresSeconds * 1000);
    if (now.getTime() > expiresAt.getTime()) throw S3Errors.requestExpired(expiresAt, now, expires);

    checkSessionToken(entry.credentials, param("X-Amz-Security-Token"));
    const signedHeaders = parseSignedHeaders(signedHeaderList, request);
    const payloadHash = request.query.find(([n]) => n.toLowerCase() === "x-amz-content-sha256")?.[1] ?? "UNSIGNED-PAYLOAD";

    await this.compare(entry.signer, request, { scope, longDate: amzDate, requestTime, signedHeaders, payloadHash, signature, accessKeyId: scope.accessKeyId });
    return { accessKeyId: scope.accessKeyId, via: "query", payloadHash };
  }

  /**
   * A browser POST: the signature is the HMAC of the base64 policy under the signing key of the
   * credential's scope. Fields are the form's (lower-cased names); missing ones were refused before.
   */
  async verifyPostSignature(fields: {
    algorithm: string;
    credential: string;
    date: string;
    signature: string;
    policy: string;
    securityToken?: string | undefined;
  }): Promise<Authenticated> {
    if (fields.algorithm !== ALGORITHM_IDENTIFIER) {
      throw S3Errors.invalidArgument('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', "x-amz-algorithm", fields.algorithm);
    }
    const scope = parseCredential(fields.credential);
    if (!scope) {
      throw S3Errors.invalidArgument(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting ${CREDENTIAL_SHAPE}.`, "x-amz-credential", fields.credential);
    }
    const requestTime = parseLongDate(fields.date);
    if (!requestTime) throw S3Errors.invalidArgument(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`, "x-amz-date", fields.date);
    if (scope.date !== fields.date.slice(0, 8)) {
      throw S3Errors.invalidArgument(`Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${fields.date.slice(0, 8)}".`, "x-amz-credential", fields.credential);
    }
    if (scope.region !== this.options.region) {
      throw S3Errors.authorizationQueryParametersError(
        `Error parsing the X-Amz-Credential parameter; the region '${scope.region}' is wrong; expecting '${this.options.region}'`,
        this.options.region,
      );
    }
    if (scope.service !== "s3" || scope.terminator !== "aws4_request") {
      throw S3Errors.invalidArgument(`Error parsing the X-Amz-Credential parameter; expecting ${CREDENTIAL_SHAPE}.`, "x-amz-credential", fields.credential);
    }
    const entry = this.signers.get(scope.accessKeyId);
    if (!entry) throw S3Errors.invalidAccessKeyId(scope.accessKeyId);
    checkSessionToken(entry.credentials, fields.securityToken);

    const expected = await entry.signer.sign(fields.policy, {
      signingDate: requestTime,
      signingRegion: scope.region,
      signingService: "s3",
    });
    if (!sameSignature(expected, fields.signature)) {
      throw S3Errors.signatureDoesNotMatch({ AWSAccessKeyId: scope.accessKeyId, StringToSign: fields.policy });
    }
    return { accessKeyId: scope.accessKeyId, via: "post-policy", payloadHash: "UNSIGNED-PAYLOAD" };
  }

  private async compare(
    signer: CanonicalSigner,
    request: IncomingSignedRequest,
    input: { scope: Scope; longDate: string; requestTime: Date; signedHeaders: string[]; payloadHash: string; signature: string; accessKeyId: string },
  ): Promise<void> {
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const name of input.signedHeaders) headers[name] = canonicalHeaderValue(request.header(name) ?? "");
    const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    for (const [name, value] of request.query) {
      const existing = query[name];
      query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    const canonicalRequest = signer.canonicalRequest(
      new HttpRequest({ method: request.method, protocol: "http:", hostname: "localhost", path: canonicalPath(request.rawPath), query, headers }),
      headers,
      input.payloadHash,
    );
    const credentialScope = `${input.scope.date}/${input.scope.region}/${input.scope.service}/${input.scope.terminator}`;
    const stringToSign = await signer.stringToSign(input.longDate, credentialScope, canonicalRequest);
    const expected = await signer.sign(stringToSign, {
      signingDate: input.requestTime,
      signingRegion: input.scope.region,
      signingService: input.scope.service,
    });
    if (!sameSignature(expected, input.signature)) {
      // S3 shows both strings so the client can see where its canonical request differs; neither holds a secret.
      throw S3Errors.signatureDoesNotMatch({ AWSAccessKeyId: input.accessKeyId, StringToSign: stringToSign, CanonicalRequest: canonicalRequest });
    }
  }
}

function parseCredential(value: string): Scope | undefined {
  const parts = value.split("/");
  if (parts.length !== 5 || parts.some((part) => part === "")) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) return undefined;
  return { accessKeyId, date, region, service, terminator };
}

/**
 * S3 insists that host is signed and that no x-amz-* header rides along unsigned: an unsigned
 * x-amz-checksum or x-amz-meta header would let anyone holding a URL change what gets stored.
 */
function parseSignedHeaders(list: string, request: IncomingSignedRequest): string[] {
  const names = list.split(";").map((name) => name.trim());
  if (names.some((name) => name === "" || name !== name.toLowerCase())) {
    throw S3Errors.accessDenied("There were headers present in the request which were not signed", { HeadersNotSigned: list });
  }
  const signed = new Set(names);
  const unsigned = request.headerNames().filter((name) => (name === "host" || name.startsWith("x-amz-")) && !signed.has(name));
  if (!signed.has("host") && !unsigned.includes("host")) unsigned.unshift("host");
  if (unsigned.length > 0) {
    throw S3Errors.accessDenied("There were headers present in the request which were not signed", { HeadersNotSigned: unsigned.join(", ") });
  }
  return names;
}

function checkSessionToken(credentials: S3Credentials, token: string | undefined): void {
  if (credentials.sessionToken === undefined) {
    if (token !== undefined) throw S3Errors.invalidToken();
    return;
  }
  if (token === undefined || !sameSignature(credentials.sessionToken, token)) throw S3Errors.invalidToken();
}

/** Constant-time string comparison (signatures, tokens). */
export function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(provided, "utf8");
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** S3's canonical URI: each segment decoded and encoded once with RFC 3986 rules; no `.`/`..` folding. */
export function canonicalPath(rawPath: string): string {
  try {
    return rawPath
      .split("/")
      .map((segment) => uriEscape(decodeURIComponent(segment)))
      .join("/");
  } catch (cause) {
    throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.", { cause });
  }
}

export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").trim();
}

export function parseLongDate(value: string): Date | undefined {
  const m = LONG_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) || date.getUTCDate() !== d ? undefined : date;
}

function parseHttpDate(value: string): Date | undefined {
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

export function toLongDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}
