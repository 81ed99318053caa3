import { isErrorCode, type ErrorCode } from "@media/core/error-codes";

/**
 * What the API refused, typed by its closed list of error codes. API Gateway's own answers (no or a
 * refused token, no route, an authorizer failure) carry no code of ours and get the nearest one.
 */
export class MediaApiError extends Error {
  override readonly name = "MediaApiError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds to wait before trying again (429). */
    readonly retryAfterSeconds?: number,
    /** API Gateway answered (or nobody readable did), not our API: `code` is only the nearest one to the status. */
    readonly fromGateway = false,
  ) {
    super(message);
  }
}

/** The upload was cancelled by its signal; the pending file was given back. */
export class UploadCancelledError extends Error {
  override readonly name = "UploadCancelledError";
}

/**
 * Storage refused the bytes (the policy's conditions, an expired policy), or could not be reached
 * (status 0). `code` is S3's own (AccessDenied, EntityTooLarge…) when its answer named one.
 */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    /** S3's <Message>: its own words for why. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** S3 answers XML: its <Code> says what, its <Message> why. */
export function storageErrorOf(status: number, text: string): StorageError {
  const code = xmlElement(text, "Code");
  const message = xmlElement(text, "Message");
  return new StorageError(status, `Storage refused the upload (${status}${message ? `: ${message}` : ""}).`, code, message);
}

function xmlElement(xml: string, tag: string): string | undefined {
  const text = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
  return text?.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&").trim();
}

const GATEWAY_CODES: Record<number, ErrorCode> = { 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 413: "PayloadTooLarge", 429: "TooManyRequests" };

export async function errorOf(response: Response): Promise<MediaApiError> {
  const text = await response.text().catch(() => "");
  return errorFromBody(response.status, text, response.headers.get("retry-after"));
}

/** The MediaApiError for an answer already read: its status, body text and Retry-After header. */
export function errorFromBody(status: number, text: string, retryAfterHeader: string | null = null): MediaApiError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const retryAfter = Number(retryAfterHeader);
  const retry = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } } | undefined)?.error;
  if (error && isErrorCode(error.code)) {
    return new MediaApiError(status, error.code, String(error.message ?? error.code), error.details, retry);
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  const code = GATEWAY_CODES[status] ?? (status >= 500 ? "InternalError" : "ValidationError");
  return new MediaApiError(status, code, typeof message === "string" ? message : `HTTP ${status}`, undefined, retry, true);
}

/**
 * The account has MFA on and `login` was given no `mfaCode`: answer `challenge.respond(code)` with the
 * authenticator app's code to finish signing in.
 */
export class MfaRequiredError extends Error {
  override readonly name = "MfaRequiredError";
  constructor(readonly challenge: import("./mfa").MfaChallenge) {
    super(challenge.message || "This account asks for a code from its authenticator app.");
  }
}
