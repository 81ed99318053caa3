import { ACCEPTED_MEDIA_TEXT } from "@media/core/media-types";
import { formatBytes } from "../format";

/**
 * Every failure the app can meet, in one shape: where it came from, a stable code, and a message
 * written for the person using the app. Four sources answer in four dialects:
 * - our API: `{"error": {"code", "message", "details"?}}` (DESIGN.md section 4);
 * - API Gateway itself, before any handler runs: `{"message": "Unauthorized"}` (401 without a token),
 *   `{"message": "Forbidden"}` (403 when the authorizer refuses), `Not Found`, `Internal Server Error`…;
 * - storage (S3, or the local S3-compatible endpoint): `<Error><Code>…</Code><Message>…</Message></Error>`;
 * - the network: no answer at all (offline, CORS refusal, server down), or an aborted request.
 */
export type ErrorSource = "api" | "gateway" | "storage" | "network" | "client";

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly source: ErrorSource,
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly details?: Record<string, unknown>,
    /** The server's own words when the message shown was rewritten for people. */
    readonly original?: string,
  ) {
    super(message);
  }

  /** A session problem: the caller should refresh the token or sign in again. */
  get isAuth(): boolean {
    return this.status === 401 || (this.source === "gateway" && this.status === 403);
  }

  /** Refused before any byte was stored: type, size or quota, or a malformed request. */
  get isRefusal(): boolean {
    return this.source === "api" && (this.status === 400 || this.status === 413 || this.status === 415);
  }
}

export class AbortedError extends Error {
  override readonly name = "AbortError";
  constructor() {
    super("Cancelled.");
  }
}

/** Field-level problems that a ValidationError carries in `details.fields`. */
export function fieldProblems(error: unknown): Array<{ field: string; problem: string }> {
  if (!(error instanceof AppError)) return [];
  const fields = error.details?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter((f): f is { field: string; problem: string } => !!f && typeof f.field === "string" && typeof f.problem === "string");
}

/** Builds the AppError for a non-2xx HTTP answer from its status, content type and body text. */
export function errorFromResponse(status: number, contentType: string | null, body: string, from: "api" | "storage" = "api"): AppError {
  const text = body.trim();
  if (text.startsWith("{") || /json/i.test(contentType ?? "")) {
    const parsed = safeJson(text);
    if (isRecord(parsed)) {
      const inner = parsed.error;
      if (isRecord(inner) && typeof inner.code === "string") {
        const details = isRecord(inner.details) ? inner.details : undefined;
        const message = typeof inner.message === "string" ? inner.message : "";
        return fromApi(status, inner.code, message, details);
      }
      if (typeof parsed.message === "string") return fromGateway(status, parsed.message);
      // AWS services that answer JSON errors name them `__type` / `code` (Cognito, for example).
      const awsCode = typeof parsed.__type === "string" ? parsed.__type : typeof parsed.code === "string" ? parsed.code : undefined;
      if (awsCode) return fromGateway(status, awsCode);
    }
  }
  if (text.startsWith("<")) {
    const code = xmlText(text, "Code");
    if (code) return fromStorage(status, code, xmlText(text, "Message") ?? "");
  }
  return fromStatus(status, from);
}

/** Wraps whatever fetch or XHR threw: aborts stay aborts, everything else means nobody answered. */
export function errorFromThrown(error: unknown, what: "server" | "storage" = "server"): AppError | AbortedError {
  if (error instanceof AppError || error instanceof AbortedError) return error;
  if (error instanceof DOMException && error.name === "AbortError") return new AbortedError();
  if (error instanceof Error && error.name === "AbortError") return new AbortedError();
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new AppError("network", "Timeout", `The ${what} took too long to answer. Check your connection and try again.`);
  }
  return new AppError(
    "network",
    "NetworkError",
    what === "storage"
      ? "The upload could not reach storage. Check your connection and try again."
      : "Can't reach the server. Check your connection and try again.",
  );
}

/** The text people see for any thrown value. */
export function describeError(error: unknown): { message: string; code?: string; hints: string[] } {
  if (error instanceof AbortedError) return { message: "Cancelled.", hints: [] };
  if (error instanceof AppError) {
    const hints = fieldProblems(error).map((f) => `${f.field}: ${f.problem}`);
    return { message: error.message, code: error.code, hints };
  }
  return { message: "Something went wrong in the app. Reload the page and try again.", hints: [] };
}

function fromApi(status: number, code: string, message: string, details?: Record<string, unknown>): AppError {
  const num = (k: string) => (typeof details?.[k] === "number" ? (details[k] as number) : undefined);
  let friendly = message || fromStatus(status, "api").message;
  switch (code) {
    case "FileTooLarge": {
      const max = num("maxFileBytes");
      if (max !== undefined) friendly = `This file is too large: files can be at most ${formatBytes(max)}.`;
      break;
    }
    case "QuotaExceeded": {
      const left = num("remainingBytes");
      const quota = num("quotaBytes");
      if (left !== undefined && quota !== undefined) friendly = `Not enough space: ${formatBytes(left)} left of your ${formatBytes(quota)}. Delete some files to make room.`;
      break;
    }
    case "UnsupportedMediaType":
      // The API's message names them already; an older one may not.
      friendly = message.includes(ACCEPTED_MEDIA_TEXT) ? message : `${message} Accepted: ${ACCEPTED_MEDIA_TEXT}.`.trim();
      break;
    case "InternalError":
    case "ServiceUnavailable":
      friendly = "Something went wrong on our side. Try again in a moment.";
      break;
  }
  return new AppError("api", code, friendly, status, details, friendly === message ? undefined : message);
}

function fromGateway(status: number, message: string): AppError {
  switch (status) {
    case 401:
      return new AppError("gateway", "Unauthorized", "Your session has ended. Sign in again.", status, undefined, message);
    case 403:
      return new AppError("gateway", "Forbidden", "Your session is no longer valid. Sign in again.", status, undefined, message);
    default: {
      const generic = fromStatus(status, "api");
      return new AppError("gateway", generic.code, generic.message, status, undefined, message);
    }
  }
}

/** S3's codes, in the words of someone uploading a file. */
const STORAGE_MESSAGES: Record<string, string> = {
  AccessDenied: "Storage refused the upload: its permission expired or did not match the file. Try again.",
  EntityTooLarge: "Storage refused the file: it is larger than announced. It may have changed since you chose it; try again.",
  EntityTooSmall: "Storage refused the file: it is empty or smaller than announced. It may have changed since you chose it; try again.",
  InvalidPolicyDocument: "Storage refused the upload permission. Try again.",
  SignatureDoesNotMatch: "Storage refused the upload's signature. Try again.",
  ExpiredToken: "The upload permission expired. Try again.",
  RequestTimeout: "The upload was too slow and storage gave up. Try again.",
  SlowDown: "Storage is busy. Try again in a moment.",
  ServiceUnavailable: "Storage is unavailable right now. Try again in a moment.",
  InternalError: "Storage had a problem. Try again in a moment.",
  NoSuchKey: "That file is no longer in storage.",
  NoSuchBucket: "Storage is not set up (no bucket).",
};

function fromStorage(status: number, code: string, message: string): AppError {
  const friendly = STORAGE_MESSAGES[code] ?? (message ? `Storage refused the request: ${message}` : `Storage refused the request (${code}).`);
  return new AppError("storage", code, friendly, status, undefined, message || undefined);
}

function fromStatus(status: number, from: "api" | "storage"): AppError {
  const source = from;
  const [code, message] =
    status === 400
      ? ["BadRequest", "The request was not accepted."]
      : status === 401
        ? ["Unauthorized", "Your session has ended. Sign in again."]
        : status === 403
          ? ["Forbidden", "You are not allowed to do that."]
          : status === 404
            ? ["NotFound", "Not found: it may have been deleted."]
            : status === 408
              ? ["Timeout", "The request took too long. Try again."]
              : status === 413
                ? ["PayloadTooLarge", "That is too large to send."]
                : status === 429
                  ? ["TooManyRequests", "Too many requests. Wait a moment and try again."]
                  : status >= 500
                    ? ["ServerError", `The ${from === "storage" ? "storage service" : "server"} had a problem (${status}). Try again in a moment.`]
                    : ["HttpError", `Unexpected answer (${status}).`];
  return new AppError(source, code, message, status);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One element's text from a small XML error document; no DOM needed (and none trusted). */
function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!m) return undefined;
  return m[1]!
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}
