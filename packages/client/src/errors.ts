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
  ) {
    super(message);
  }
}

/** The upload was cancelled by its signal; the pending file was given back. */
export class UploadCancelledError extends Error {
  override readonly name = "UploadCancelledError";
}

/** Storage refused the bytes (the policy's conditions, an expired policy). */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const GATEWAY_CODES: Record<number, ErrorCode> = { 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 413: "PayloadTooLarge", 429: "TooManyRequests" };

export async function errorOf(response: Response): Promise<MediaApiError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const retryAfter = Number(response.headers.get("retry-after"));
  const retry = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } } | undefined)?.error;
  if (error && isErrorCode(error.code)) {
    return new MediaApiError(response.status, error.code, String(error.message ?? error.code), error.details, retry);
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  const code = GATEWAY_CODES[response.status] ?? (response.status >= 500 ? "InternalError" : "ValidationError");
  return new MediaApiError(response.status, code, typeof message === "string" ? message : `HTTP ${response.status}`, undefined, retry);
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
