import type { ErrorCode } from "./error-codes";

/**
 * The error catalogue. Every failure a client can cause has a class here with a stable `code` and an
 * HTTP status; anything else is an internal error whose details never reach the client.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  /**
   * The class's name, written out in each class: the functions are minified without esbuild's keepNames
   * (stacks/lambda.ts), so `new.target.name` would be a mangled identifier in the logs.
   */
  abstract override readonly name: string;
  abstract readonly code: ErrorCode;
  /** Extra, client-safe facts (what is left of the quota, which field was wrong). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.details) this.details = options.details;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  override readonly name = "ValidationError";
  readonly code: ErrorCode;
  constructor(message: string, options?: { code?: ErrorCode; cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options);
    this.code = options?.code ?? "ValidationError";
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  override readonly name = "UnauthorizedError";
  readonly code: ErrorCode;
  constructor(message = "Authentication required.", options?: { code?: ErrorCode; cause?: unknown }) {
    super(message, options);
    this.code = options?.code ?? "Unauthorized";
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  override readonly name = "ForbiddenError";
  readonly code: ErrorCode;
  constructor(message = "Forbidden.", options?: { code?: ErrorCode; cause?: unknown }) {
    super(message, options);
    this.code = options?.code ?? "Forbidden";
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  override readonly name = "NotFoundError";
  readonly code = "NotFound";
  constructor(message = "Not found.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  override readonly name = "ConflictError";
  readonly code: ErrorCode;
  constructor(message: string, options?: { code?: ErrorCode; cause?: unknown }) {
    super(message, options);
    this.code = options?.code ?? "Conflict";
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  override readonly name = "PayloadTooLargeError";
  readonly code: ErrorCode;
  constructor(message: string, options?: { code?: ErrorCode; cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options);
    this.code = options?.code ?? "PayloadTooLarge";
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  override readonly name = "UnsupportedMediaTypeError";
  readonly code = "UnsupportedMediaType";
  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options);
  }
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  override readonly name = "TooManyRequestsError";
  readonly code = "TooManyRequests";
  /** When to try again, sent as `Retry-After`; 1 s for a busy moment when the limit says no more. */
  readonly retryAfterSeconds: number;
  constructor(message = "Too many requests, try again shortly.", options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = Math.max(1, Math.ceil(options?.retryAfterSeconds ?? 1));
  }
}

/** A dependency (AWS, the network) failed. Its cause is logged, never shown. */
export class InternalError extends AppError {
  readonly status = 500;
  override readonly name = "InternalError";
  readonly code = "InternalError";
  constructor(message = "Something went wrong on our side.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/**
 * What a client sees for any thrown value: AppErrors as they are, everything else as a bare 500. A 429
 * says when to come back (`Retry-After`, in seconds).
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof AppError && error.status < 500) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details) body.error.details = error.details;
    if (error instanceof TooManyRequestsError) return { status: error.status, body, headers: { "retry-after": String(error.retryAfterSeconds) } };
    return { status: error.status, body };
  }
  const status = error instanceof AppError ? error.status : 500;
  const fallback = new InternalError();
  return { status, body: { error: { code: status === 500 ? fallback.code : "ServiceUnavailable", message: fallback.message } } };
}
