import { algorithmOfHeader, ChecksumTap, type ChecksumAlgorithm } from "./checksums";
import { S3Errors } from "./s3-errors";

/**
 * A flexible checksum declared in a POST form (`x-amz-checksum-sha256` and the other
 * `x-amz-checksum-*` fields), checked as S3 checks the same headers on PutObject: computed while the
 * file streams, a mismatch refused with BadDigest before the object becomes visible, and the verified
 * value kept with the object. One checksum per upload; `x-amz-checksum-algorithm`, when present, must
 * name it.
 */
export interface FormChecksum {
  tap: ChecksumTap;
  /** Throws BadDigest unless the file matches; returns the verified checksum to store. */
  verify(): Partial<Record<ChecksumAlgorithm, string>>;
}

export function formChecksum(fields: ReadonlyMap<string, string>): FormChecksum | undefined {
  const declared = [...fields.keys()]
    .map((name) => ({ name, algorithm: algorithmOfHeader(name) }))
    .filter((field): field is { name: string; algorithm: ChecksumAlgorithm } => field.algorithm !== undefined);
  if (declared.length > 1) throw S3Errors.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  const named = fields.get("x-amz-checksum-algorithm");
  const checksum = declared[0];
  if (named !== undefined && named.toUpperCase() !== checksum?.algorithm) {
    throw S3Errors.invalidRequest("x-amz-checksum-algorithm specified, but no corresponding x-amz-checksum-* field was found.");
  }
  if (!checksum) return undefined;
  const expected = fields.get(checksum.name)!;
  const tap = new ChecksumTap(checksum.algorithm);
  return {
    tap,
    verify() {
      const computed = tap.value();
      if (computed !== expected) throw S3Errors.badDigest(`The ${checksum.algorithm} you specified did not match the calculated checksum.`);
      return { [checksum.algorithm]: computed };
    },
  };
}
