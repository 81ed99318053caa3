/**
 * What an original object carries about itself besides its bytes and Content-Type: the owner's file name,
 * so that the table can be rebuilt from the bucket alone (`npm run reindex`).
 *
 * S3 user metadata travels in HTTP headers (`x-amz-meta-*`) and must be ASCII; S3 answers with it as it
 * was stored. The name is therefore percent-encoded (encodeURIComponent: UTF-8, every byte outside the
 * unreserved set escaped), which keeps it ASCII and loses nothing. A name of at most 255 UTF-8 bytes
 * encodes to at most 765 characters, well inside S3's 2 KB limit on user metadata.
 */
export const FILE_NAME_METADATA = "file-name";

/** The form field of a presigned POST that stores the file name, and the condition name that binds it. */
export const FILE_NAME_FIELD = `x-amz-meta-${FILE_NAME_METADATA}`;

export function encodeMetadataValue(value: string): string {
  return encodeURIComponent(value);
}

/** The stored value decoded, or undefined when it is not one we wrote (not valid percent-encoded UTF-8). */
export function decodeMetadataValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
