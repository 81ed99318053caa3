import { ValidationError } from "./errors";

export const MAX_FILE_NAME_BYTES = 255;

/**
 * A file name as the owner will see it again. It is metadata only (the object key never contains it),
 * but it ends up in Content-Disposition headers and in the web app, so control characters, path parts
 * and names that are only dots are refused instead of silently rewritten.
 */
export function acceptFileName(raw: string): string {
  const name = raw.normalize("NFC").trim();
  if (name.length === 0) throw invalid("The file name is empty.");
  if (Buffer.byteLength(name, "utf8") > MAX_FILE_NAME_BYTES) {
    throw invalid(`The file name is longer than ${MAX_FILE_NAME_BYTES} bytes.`);
  }
  // C0, DEL and C1 controls, plus the Unicode line/paragraph separators and bidi overrides that disguise names.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(name)) {
    throw invalid("The file name contains control characters.");
  }
  if (/[/\\]/.test(name)) throw invalid("The file name must not contain a path.");
  if (/^\.+$/.test(name)) throw invalid("The file name must not be only dots.");
  return name;
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, { code: "InvalidFileName" });
}

/**
 * `attachment` or `inline` with the original name, encoded per RFC 6266 and RFC 5987: an ASCII
 * fallback for old clients and `filename*` in UTF-8 for everyone else.
 */
export function contentDisposition(type: "attachment" | "inline", fileName: string): string {
  const fallback = fileName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]/g, "_")
    .replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
