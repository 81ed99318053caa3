import { S3Errors } from "./s3-errors";

/**
 * Header values between bytes on the wire and text, as S3 treats them.
 *
 * Node's HTTP parser hands every header value over as a latin1 string (one character per byte), but
 * clients send UTF-8: the SDK signs `x-amz-meta-name: café` over the UTF-8 bytes of its canonical
 * request. Taking Node's string as the text would re-encode "cafÃ©" and the signature would never
 * match, so the bytes are read back and decoded as UTF-8 before anything signs, checks or stores them.
 */

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const NON_ASCII = /[\u0080-\u00ff]/;

/** The text of a header value as Node gave it. Bytes that are not valid UTF-8 keep their latin1 reading. */
export function headerText(nodeValue: string): string {
  if (!NON_ASCII.test(nodeValue)) return nodeValue;
  try {
    return UTF8.decode(Buffer.from(nodeValue, "latin1"));
  } catch {
    return nodeValue;
  }
}

/** Printable US-ASCII and tab: what S3 sends as is in a response header. */
const MAIL_SAFE = /^[\t\u0020-\u007e]*$/;
/** Control characters no HTTP header may carry (tab excepted). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * A user metadata value as S3 answers it: as is when printable US-ASCII, otherwise its UTF-8 bytes
 * encoded as RFC 2047 `=?UTF-8?B?…?=` (S3's user guide, "User-defined object metadata"); clients decode it.
 */
export function metadataHeaderValue(value: string): string {
  return MAIL_SAFE.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/**
 * A stored or requested header value (Content-Disposition, a response-* override) sent back byte for byte:
 * its UTF-8 bytes in the latin1 string Node writes out one byte per character. Undefined when the value
 * holds a control character, which no response header can carry.
 */
export function headerBytes(value: string): string | undefined {
  if (CONTROL.test(value)) return undefined;
  return Buffer.from(value, "utf8").toString("latin1");
}

/** S3's limit on user-defined metadata in a PUT: names and values, in UTF-8 bytes. */
export const MAX_USER_METADATA_BYTES = 2 * 1024;

/** Refuses metadata over S3's limit with S3's MetadataTooLarge. */
export function checkUserMetadataSize(userMetadata: Record<string, string>): void {
  let size = 0;
  for (const [name, value] of Object.entries(userMetadata)) size += Buffer.byteLength(name, "utf8") + Buffer.byteLength(value, "utf8");
  if (size > MAX_USER_METADATA_BYTES) throw S3Errors.metadataTooLarge(size, MAX_USER_METADATA_BYTES);
}
