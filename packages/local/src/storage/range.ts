import { S3Errors } from "./s3-errors";

/**
 * Range and conditional GET/HEAD, as S3 answers them. S3 serves one byte range; a header it cannot
 * read (another unit, several ranges, first > last) is ignored and the whole object is sent, while a
 * well-formed range that starts past the end is refused with 416 InvalidRange.
 */
export type RangeResult = { kind: "full" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: "full" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: "full" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return { kind: "full" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: "partial", start, end };
}

export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`;
}

export interface Validators {
  etag: string; // quoted
  lastModified: Date;
}

export interface ConditionalHeaders {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

/**
 * S3's precedence (GetObject docs): If-Match true makes If-Unmodified-Since irrelevant; If-None-Match
 * false makes If-Modified-Since irrelevant. Returns "not-modified" for a 304, throws 412 PreconditionFailed.
 */
export function evaluatePreconditions(headers: ConditionalHeaders, object: Validators): "ok" | "not-modified" {
  const lastModifiedSeconds = Math.floor(object.lastModified.getTime() / 1000) * 1000;
  if (headers.ifMatch !== undefined) {
    if (!etagListMatches(headers.ifMatch, object.etag)) throw S3Errors.preconditionFailed("If-Match");
  } else if (headers.ifUnmodifiedSince !== undefined) {
    const since = Date.parse(headers.ifUnmodifiedSince);
    if (!Number.isNaN(since) && lastModifiedSeconds > since) throw S3Errors.preconditionFailed("If-Unmodified-Since");
  }
  if (headers.ifNoneMatch !== undefined) {
    if (etagListMatches(headers.ifNoneMatch, object.etag)) return "not-modified";
  } else if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    if (!Number.isNaN(since) && lastModifiedSeconds <= since) return "not-modified";
  }
  return "ok";
}

function etagListMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, "");
  return list.split(",").some((candidate) => {
    const c = candidate.trim().replace(/^W\//, "");
    return c === "*" || c.replace(/^"|"$/g, "") === bare;
  });
}
