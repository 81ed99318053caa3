import { createHash, createHmac } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { ALGORITHM_IDENTIFIER, SignatureV4 } from "@smithy/signature-v4";
import { MAX_CLOCK_SKEW_MS, parseLongDate, sameSignature, toLongDate } from "../storage/sigv4";
import { signingKeyCache } from "./signing-keys";

/**
 * SigV4 verification of the Authorization header for the JSON and query-protocol services the local
 * runtime plays (DynamoDB, SNS, Cognito's IAM-authorized operations), with the storage's helpers
 * (storage/sigv4.ts, which keeps S3's own flavour: presigned URLs, POST policies, streaming payloads).
 * These services sign the body's SHA-256 and a path normalised and escaped once more, the signer's
 * defaults; the canonical request is rebuilt by @smithy/signature-v4, the SDK's own signer, from exactly
 * the headers the client says it signed, and the signature compared in constant time.
 *
 * A failure comes back as a kind, which each service answers in its own shape.
 */
export type SigV4FailureKind = "missing" | "incomplete" | "unknown-key" | "mismatch";

export type SigV4Result = { ok: true; accessKeyId: string } | { ok: false; kind: SigV4FailureKind; message: string };

export interface ServiceRequest {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  /** Node's rawHeaders: names and values alternating, as received. */
  rawHeaders: readonly string[];
  body: Buffer;
}

/** The SDK's own canonical request; the string to sign and the signature are SigV4's, over a cached signing key. */
class CanonicalSigner extends SignatureV4 {
  canonicalRequest(request: HttpRequest, headers: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, headers, payloadHash);
  }
}

export interface ServiceVerifierOptions {
  /** The signing name (`dynamodb`, `sns`, `cognito-idp`). */
  service: string;
  region: string;
  secretOf(accessKeyId: string): string | undefined;
  now?: () => Date;
}

const EXPIRED_OR_SKEWED = "Signature expired or not yet current: the request time is more than 15 minutes away from the server's.";
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";

export function serviceVerifier(options: ServiceVerifierOptions): (request: ServiceRequest) => Promise<SigV4Result> {
  const signers = new Map<string, CanonicalSigner>();
  const signerFor = (accessKeyId: string, secretAccessKey: string) => {
    let signer = signers.get(accessKeyId);
    if (!signer) {
      signer = new CanonicalSigner({ credentials: { accessKeyId, secretAccessKey }, region: options.region, service: options.service, sha256: Hash.bind(null, "sha256") });
      signers.set(accessKeyId, signer);
    }
    return signer;
  };
  const now = options.now ?? (() => new Date());
  const signingKey = signingKeyCache();

  return async (request) => {
    // Each name's values, trimmed and joined by commas in the order received.
    const headers = new Map<string, string>();
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i]!.toLowerCase();
      const value = request.rawHeaders[i + 1]!.trim();
      const earlier = headers.get(name);
      headers.set(name, earlier === undefined ? value : `${earlier},${value}`);
    }
    const header = (name: string) => headers.get(name);
    const authorization = header("authorization");
    if (authorization === undefined) return { ok: false, kind: "missing", message: "Request is missing Authentication Token" };
    const space = authorization.indexOf(" ");
    if (space === -1 || authorization.slice(0, space) !== ALGORITHM_IDENTIFIER) {
      return { ok: false, kind: "incomplete", message: `Authorization header requires the ${ALGORITHM_IDENTIFIER} algorithm.` };
    }
    const parts = new Map<string, string>();
    for (const component of authorization.slice(space + 1).split(",")) {
      const eq = component.indexOf("=");
      if (eq > 0) parts.set(component.slice(0, eq).trim(), component.slice(eq + 1).trim());
    }
    const credential = parts.get("Credential")?.split("/");
    const signedHeaders = parts.get("SignedHeaders")?.split(";");
    const signature = parts.get("Signature");
    const amzDate = header("x-amz-date");
    const requestTime = amzDate === undefined ? undefined : parseLongDate(amzDate);
    if (!credential || credential.length !== 5 || !signedHeaders || !signature || !requestTime || !signedHeaders.includes("host")) {
      return {
        ok: false,
        kind: "incomplete",
        message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' (with host) parameters, and an X-Amz-Date header.",
      };
    }
    const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
    const longDate = toLongDate(requestTime);
    if (date !== longDate.slice(0, 8) || region !== options.region || service !== options.service || terminator !== "aws4_request") {
      return { ok: false, kind: "mismatch", message: `Credential should be scoped to a valid date, region ${options.region} and service ${options.service}.` };
    }
    const secret = options.secretOf(accessKeyId);
    // Local keys carry no session token; one sent anyway belongs to credentials these endpoints never issued.
    if (secret === undefined || header("x-amz-security-token") !== undefined) return { ok: false, kind: "unknown-key", message: INVALID_TOKEN };
    if (Math.abs(now().getTime() - requestTime.getTime()) > MAX_CLOCK_SKEW_MS) return { ok: false, kind: "mismatch", message: EXPIRED_OR_SKEWED };

    const signer = signerFor(accessKeyId, secret);
    const q = request.url.indexOf("?");
    const rawPath = q === -1 ? request.url : request.url.slice(0, q);
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(q === -1 ? "" : request.url.slice(q + 1))) {
      const existing = query[name];
      query[name] = existing === undefined ? value : [existing, value].flat();
    }
    const signed: Record<string, string> = {};
    for (const name of signedHeaders) signed[name] = (header(name) ?? "").replace(/\s+/g, " ");
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return { ok: false, kind: "mismatch", message: MISMATCH };
    }
    const payloadHash = createHash("sha256").update(request.body).digest("hex");
    const canonical = signer.canonicalRequest(new HttpRequest({ method: request.method, protocol: "http:", hostname: "localhost", path, query, headers: signed }), signed, payloadHash);
    const stringToSign = `${ALGORITHM_IDENTIFIER}\n${longDate}\n${date}/${region}/${service}/${terminator}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const expected = createHmac("sha256", signingKey(secret, date, region, service)).update(stringToSign).digest("hex");
    if (!sameSignature(expected, signature)) return { ok: false, kind: "mismatch", message: MISMATCH };
    return { ok: true, accessKeyId };
  };
}
