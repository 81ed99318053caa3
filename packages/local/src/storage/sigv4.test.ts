import { createHmac } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { S3Error } from "./s3-errors";
import { canonicalPath, parseLongDate, SigV4Verifier, type IncomingSignedRequest } from "./sigv4";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const region = "us-east-1";
const verifier = new SigV4Verifier({ region, credentials });
const signer = new SignatureV4({ credentials, region, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
const now = new Date("2026-03-01T12:00:00Z");

/** What the server builds from an IncomingMessage, from a smithy HttpRequest (header names lower-cased). */
function incoming(request: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string> }): IncomingSignedRequest {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const query: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value ?? ""]) query.push([name, v]);
  }
  return { method: request.method, rawPath: request.path, query, header: (n) => headers[n], headerNames: () => Object.keys(headers) };
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (error) {
    if (error instanceof S3Error) return `${error.status} ${error.code}`;
    throw error;
  }
}

function request(path = "/media/users/a%20b/%C3%BC.txt", headers: Record<string, string> = {}) {
  return new HttpRequest({
    method: "GET",
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 9000,
    path,
    query: { "x-id": "GetObject" },
    headers: { host: "127.0.0.1:9000", "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...headers },
  });
}

describe("header authentication", () => {
  it("accepts what the SDK's signer signs", async () => {
    const signed = await signer.sign(request(), { signingDate: now });
    expect(await verifier.verifyRequest(incoming(signed), now)).toEqual({ accessKeyId: "AKIDEXAMPLE", via: "header", payloadHash: "UNSIGNED-PAYLOAD" });
  });

  it("refuses any change to a signed part", async () => {
    const signed = await signer.sign(request("/media/k", { range: "bytes=0-1" }), { signingDate: now });
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, path: "/media/k2" }), now))).toBe("403 SignatureDoesNotMatch");
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, headers: { ...signed.headers, range: "bytes=0-2" } }), now))).toBe("403 SignatureDoesNotMatch");
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, query: { "x-id": "PutObject" } }), now))).toBe("403 SignatureDoesNotMatch");
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, method: "DELETE" }), now))).toBe("403 SignatureDoesNotMatch");
  });

  it("refuses unsigned x-amz-* headers, a skewed clock, missing payload hash, unknown keys", async () => {
    const signed = await signer.sign(request(), { signingDate: now });
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, headers: { ...signed.headers, "x-amz-meta-extra": "1" } }), now))).toBe("403 AccessDenied");
    expect(await outcome(() => verifier.verifyRequest(incoming(signed), new Date(now.getTime() + 16 * 60_000)))).toBe("403 RequestTimeTooSkewed");
    const { "x-amz-content-sha256": _hash, ...noHash } = signed.headers;
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, headers: noHash }), now))).toBe("400 InvalidRequest");
    const stranger = new SignatureV4({ credentials: { ...credentials, accessKeyId: "AKIDOTHER" }, region, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
    expect(await outcome(async () => verifier.verifyRequest(incoming(await stranger.sign(request(), { signingDate: now })), now))).toBe("403 InvalidAccessKeyId");
    const elsewhere = await signer.sign(request(), { signingDate: now, signingRegion: "eu-west-1" });
    expect(await outcome(() => verifier.verifyRequest(incoming(elsewhere), now))).toBe("400 AuthorizationHeaderMalformed");
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...signed, headers: { ...signed.headers, authorization: "AWS AKIDEXAMPLE:abc" } }), now))).toBe("400 InvalidRequest");
  });

  it("answers anonymous for a request that carries no signature", async () => {
    expect(await verifier.verifyRequest(incoming(request()), now)).toBeUndefined();
  });
});

describe("query authentication (presigned URLs)", () => {
  async function presigned(expiresIn = 300) {
    const r = request("/media/k");
    r.query = { "response-content-disposition": 'attachment; filename="a b.txt"', "x-id": "GetObject" };
    // As @aws-sdk/s3-request-presigner does: the header is hoisted into the query and signs UNSIGNED-PAYLOAD.
    return signer.presign(r, { signingDate: now, expiresIn });
  }

  it("accepts a presigned URL within its window and refuses it after", async () => {
    const url = await presigned(300);
    expect(await verifier.verifyRequest(incoming(url), new Date(now.getTime() + 299_000))).toMatchObject({ via: "query", payloadHash: "UNSIGNED-PAYLOAD" });
    expect(await outcome(() => verifier.verifyRequest(incoming(url), new Date(now.getTime() + 301_000)))).toBe("403 AccessDenied");
    expect(await outcome(() => verifier.verifyRequest(incoming(url), new Date(now.getTime() - 16 * 60_000)))).toBe("403 AccessDenied");
  });

  it("refuses tampering with any query parameter", async () => {
    const url = await presigned();
    const q = url.query as Record<string, string>;
    const changes: Array<Record<string, string>> = [
      { "response-content-disposition": "inline" },
      { "X-Amz-Expires": "3000" },
      { "X-Amz-Signature": `${q["X-Amz-Signature"]!.slice(0, -1)}0` },
      { "extra-param": "1" },
    ];
    for (const change of changes) {
      const result = await outcome(() => verifier.verifyRequest(incoming({ ...url, query: { ...q, ...change } }), now));
      expect(result).toBe("403 SignatureDoesNotMatch");
    }
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...url, query: { ...q, "X-Amz-Expires": "604801" } }), now))).toBe("400 AuthorizationQueryParametersError");
    const { "X-Amz-Signature": _s, ...unsigned } = q;
    expect(await outcome(() => verifier.verifyRequest(incoming({ ...url, query: unsigned }), now))).toBe("400 AuthorizationQueryParametersError");
  });
});

describe("POST policy signature", () => {
  // Derived by hand with node:crypto, independently of the signer the verifier uses.
  function sign(policy: string, secret = credentials.secretAccessKey) {
    const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, "20260301"), region), "s3"), "aws4_request");
    return createHmac("sha256", key).update(policy).digest("hex");
  }
  const policy = Buffer.from('{"expiration":"2026-03-01T12:15:00Z","conditions":[]}').toString("base64");
  const fields = { algorithm: "AWS4-HMAC-SHA256", credential: "AKIDEXAMPLE/20260301/us-east-1/s3/aws4_request", date: "20260301T120000Z", policy };

  it("accepts the HMAC of the base64 policy under the scope's signing key", async () => {
    expect(await verifier.verifyPostSignature({ ...fields, signature: sign(policy) })).toMatchObject({ accessKeyId: "AKIDEXAMPLE", via: "post-policy" });
  });

  it("refuses a wrong secret, an unknown key, another algorithm, a token it did not issue", async () => {
    expect(await outcome(() => verifier.verifyPostSignature({ ...fields, signature: sign(policy, "other") }))).toBe("403 SignatureDoesNotMatch");
    expect(await outcome(() => verifier.verifyPostSignature({ ...fields, signature: sign(`${policy} `) }))).toBe("403 SignatureDoesNotMatch");
    expect(await outcome(() => verifier.verifyPostSignature({ ...fields, credential: "AKIDNOPE/20260301/us-east-1/s3/aws4_request", signature: sign(policy) }))).toBe(
      "403 InvalidAccessKeyId",
    );
    expect(await outcome(() => verifier.verifyPostSignature({ ...fields, algorithm: "AWS4-HMAC-SHA1", signature: sign(policy) }))).toBe("400 InvalidArgument");
    expect(await outcome(() => verifier.verifyPostSignature({ ...fields, securityToken: "token", signature: sign(policy) }))).toBe("400 InvalidToken");
    expect(await outcome(() => verifier.verifyPostSignature({ ...fields, date: "20260302T000000Z", signature: sign(policy) }))).toBe("400 InvalidArgument");
  });
});

describe("helpers", () => {
  it("canonicalises S3 paths: decoded once, encoded once, never normalised", () => {
    expect(canonicalPath("/media/users/a%20b/%C3%BC.txt")).toBe("/media/users/a%20b/%C3%BC.txt");
    expect(canonicalPath("/media/a b/(x)!")).toBe("/media/a%20b/%28x%29%21");
    expect(canonicalPath("/media/a%2Fb//c/./d")).toBe("/media/a%2Fb//c/./d");
    expect(canonicalPath("/media/~tilde")).toBe("/media/~tilde");
  });

  it("parses ISO 8601 basic dates strictly", () => {
    expect(parseLongDate("20260301T120000Z")?.toISOString()).toBe("2026-03-01T12:00:00.000Z");
    expect(parseLongDate("20260231T120000Z")).toBeUndefined();
    expect(parseLongDate("2026-03-01T12:00:00Z")).toBeUndefined();
  });
});
