import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { AwsChunkedDecoder } from "./aws-chunked";
import { algorithmOfHeader, createChecksum, type Checksum, type ChecksumAlgorithm } from "./checksums";
import { S3Error, S3Errors } from "./s3-errors";

/**
 * The integrity rules for a request body (PutObject, DeleteObjects), as S3 applies them:
 * - a hex x-amz-content-sha256 must equal the SHA-256 of the body (XAmzContentSHA256Mismatch);
 * - Content-MD5 must equal the MD5 of the body (BadDigest), and be a valid 16-byte base64 (InvalidDigest);
 * - an x-amz-checksum-* header, or the aws-chunked trailer x-amz-trailer announces, must match (BadDigest);
 * - the body must be as long as Content-Length / x-amz-decoded-content-length (IncompleteBody).
 * Everything is computed while streaming; `verify` runs before the object is committed.
 */
export const MAX_PUT_OBJECT_BYTES = 5 * 1024 ** 3;

export interface BodyHeaders {
  header(name: string): string | undefined;
  headerNames(): string[];
}

export interface PreparedBody {
  /** Transforms between the request and the store: the aws-chunked decoder, then the digest tap. */
  transforms: Transform[];
  /** The declared length of the payload (decoded length for aws-chunked). */
  declaredLength: number;
  /** Content-Encoding to store: the client's, without aws-chunked. */
  contentEncoding: string | undefined;
  /** Throws S3's refusal when the body does not match what the client declared; returns verified checksums. */
  verify(written: { size: number; md5Hex: string }): Partial<Record<ChecksumAlgorithm, string>>;
}

export function prepareBody(request: BodyHeaders, payloadHash: string): PreparedBody {
  if (payloadHash.startsWith("STREAMING-AWS4-")) {
    throw S3Errors.notImplemented(
      "Chunk-signed uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are not supported by the local storage; send UNSIGNED-PAYLOAD, a SHA-256 or STREAMING-UNSIGNED-PAYLOAD-TRAILER.",
    );
  }
  const encodings = (request.header("content-encoding") ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  const chunked = encodings.some((e) => e.toLowerCase() === "aws-chunked") || payloadHash === "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  // What is stored is the client's list without aws-chunked, its own spacing kept ("gzip, br" stays so).
  const contentEncoding =
    (request.header("content-encoding") ?? "")
      .split(",")
      .filter((e) => e.trim().toLowerCase() !== "aws-chunked")
      .join(",")
      .trim() || undefined;

  const lengthHeader = chunked ? request.header("x-amz-decoded-content-length") : request.header("content-length");
  if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) throw S3Errors.missingContentLength();
  const declaredLength = Number(lengthHeader);
  if (declaredLength > MAX_PUT_OBJECT_BYTES) throw S3Errors.entityTooLarge(declaredLength, MAX_PUT_OBJECT_BYTES);

  const contentMd5 = request.header("content-md5");
  if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").length !== 16) throw S3Errors.invalidDigest();

  const headerChecksums = request
    .headerNames()
    .map((name) => ({ name, algorithm: algorithmOfHeader(name) }))
    .filter((h): h is { name: string; algorithm: ChecksumAlgorithm } => h.algorithm !== undefined);
  const trailerNames = chunked
    ? (request.header("x-amz-trailer") ?? "")
        .split(",")
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t !== "")
    : [];
  const trailerChecksums = trailerNames.map((name) => ({ name, algorithm: algorithmOfHeader(name) }));
  if (trailerChecksums.some((t) => t.algorithm === undefined)) throw S3Errors.invalidRequest("The value specified in the x-amz-trailer header is not supported");
  const declared = [...headerChecksums, ...(trailerChecksums as Array<{ name: string; algorithm: ChecksumAlgorithm }>)];
  if (declared.length > 1) throw S3Errors.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  const sdkAlgorithm = request.header("x-amz-sdk-checksum-algorithm");
  if (sdkAlgorithm !== undefined && declared.length === 0) {
    throw S3Errors.invalidRequest(
      "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.",
    );
  }
  const checksum = declared[0];
  if (checksum && sdkAlgorithm !== undefined && sdkAlgorithm.toUpperCase() !== checksum.algorithm) {
    throw S3Errors.invalidRequest(`Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }

  const decoder = chunked ? new AwsChunkedDecoder(declaredLength) : undefined;
  const sha256 = !chunked && /^[0-9a-f]{64}$/i.test(payloadHash) ? createHash("sha256") : undefined;
  const tap = new DigestTap(sha256, checksum ? createChecksum(checksum.algorithm) : undefined);

  return {
    transforms: decoder ? [decoder, tap] : [tap],
    declaredLength,
    contentEncoding,
    verify(written) {
      if (written.size !== declaredLength) {
        throw S3Errors.incompleteBody("You did not provide the number of bytes specified by the Content-Length HTTP header");
      }
      if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").toString("hex") !== written.md5Hex) throw S3Errors.badDigest();
      if (sha256) {
        const computed = tap.sha256Hex() ?? "";
        if (computed !== payloadHash.toLowerCase()) throw S3Errors.contentSha256Mismatch(payloadHash, computed);
      }
      if (!checksum) return {};
      const expected = decoder && trailerNames.includes(checksum.name) ? decoder.trailers.get(checksum.name) : request.header(checksum.name);
      if (expected === undefined) {
        throw new S3Error(
          400,
          "MalformedTrailerError",
          "The request contained trailing data that was not well-formed or did not conform to our published schema.",
        );
      }
      const computed = tap.checksumValue();
      if (computed !== expected) throw S3Errors.badDigest(`The ${checksum.algorithm} you specified did not match the calculated checksum.`);
      return { [checksum.algorithm]: computed };
    },
  };
}

class DigestTap extends Transform {
  constructor(
    private readonly sha256: Hash | undefined,
    private readonly checksum: Checksum | undefined,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sha256?.update(chunk);
    this.checksum?.update(chunk);
    callback(null, chunk);
  }
  sha256Hex(): string | undefined {
    return this.sha256?.digest("hex");
  }
  checksumValue(): string | undefined {
    return this.checksum?.digest();
  }
}

