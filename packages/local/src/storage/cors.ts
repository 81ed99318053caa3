import { S3Errors } from "./s3-errors";

/**
 * Bucket CORS, evaluated the way S3 evaluates a bucket's CORSConfiguration: the first rule whose origin,
 * method and (for a preflight) every requested header match wins; `*` may stand for any run of
 * characters, once per origin or header pattern. A preflight that no rule allows is refused with 403.
 * The rule shape is S3's own (PutBucketCors / the SDK's CORSRule).
 */
export interface CorsRule {
  ID?: string;
  AllowedOrigins: string[];
  AllowedMethods: Array<"GET" | "PUT" | "POST" | "DELETE" | "HEAD">;
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export type Headers = Record<string, string>;

/** Does a pattern with at most one `*` match the value? Origins compare case-sensitively, headers not. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const star = p.indexOf("*");
  if (star === -1) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

function originAllowed(rule: CorsRule, origin: string): boolean {
  return rule.AllowedOrigins.some((pattern) => wildcardMatch(pattern, origin));
}

function wildcardOnly(rule: CorsRule): boolean {
  return rule.AllowedOrigins.includes("*");
}

/** Answers an OPTIONS preflight: the headers to send, or S3's refusal. */
export function preflight(
  rules: readonly CorsRule[],
  request: { origin: string | undefined; method: string | undefined; headers: string | undefined },
): Headers {
  if (!request.origin) throw S3Errors.corsBadRequest("Insufficient information. Origin request header needed.");
  if (!request.method) throw S3Errors.corsBadRequest("Invalid Access-Control-Request-Method: null");
  if (rules.length === 0) throw S3Errors.corsNotEnabled();
  const requested = (request.headers ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  const origin = request.origin;
  const method = request.method;
  const rule = rules.find(
    (r) =>
      originAllowed(r, origin) &&
      (r.AllowedMethods as string[]).includes(method) &&
      requested.every((h) => (r.AllowedHeaders ?? []).some((pattern) => wildcardMatch(pattern, h, true))),
  );
  if (!rule) throw S3Errors.corsForbidden(method);
  const headers: Headers = {
    "Access-Control-Allow-Origin": wildcardOnly(rule) ? "*" : origin,
    "Access-Control-Allow-Methods": rule.AllowedMethods.join(", "),
    Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
  if (!wildcardOnly(rule)) headers["Access-Control-Allow-Credentials"] = "true";
  if (requested.length > 0) headers["Access-Control-Allow-Headers"] = requested.join(", ");
  if (rule.ExposeHeaders && rule.ExposeHeaders.length > 0) headers["Access-Control-Expose-Headers"] = rule.ExposeHeaders.join(", ");
  if (rule.MaxAgeSeconds !== undefined) headers["Access-Control-Max-Age"] = String(rule.MaxAgeSeconds);
  return headers;
}

/**
 * The CORS headers of an actual (non-preflight) response, success or error alike: without them a browser
 * cannot read an upload's ETag, or even the error that refused it.
 */
export function corsResponseHeaders(rules: readonly CorsRule[], request: { origin: string | undefined; method: string }): Headers {
  if (rules.length === 0) return {};
  const vary = { Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method" };
  const origin = request.origin;
  if (!origin) return vary;
  const rule = rules.find((r) => originAllowed(r, origin) && (r.AllowedMethods as string[]).includes(request.method));
  if (!rule) return vary;
  const headers: Headers = {
    ...vary,
    "Access-Control-Allow-Origin": wildcardOnly(rule) ? "*" : origin,
    "Access-Control-Allow-Methods": rule.AllowedMethods.join(", "),
  };
  if (!wildcardOnly(rule)) headers["Access-Control-Allow-Credentials"] = "true";
  if (rule.ExposeHeaders && rule.ExposeHeaders.length > 0) headers["Access-Control-Expose-Headers"] = rule.ExposeHeaders.join(", ");
  if (rule.MaxAgeSeconds !== undefined) headers["Access-Control-Max-Age"] = String(rule.MaxAgeSeconds);
  return headers;
}
