import { errorFromBody, MediaApiError, StorageError, storageErrorOf, UploadCancelledError, type ErrorCode } from "@media/client";
import { ACCEPTED_MEDIA_TEXT } from "@media/core/media-types";
import { formatBytes } from "../format";

/**
 * Every failure the app can meet, in one shape written for the person using the app. The client
 * (@media/client) reads every dialect and types what the API refused by the shared list of error codes;
 * this module only says it in people's words:
 * - our API: a MediaApiError with one of our codes;
 * - API Gateway itself, before any handler runs (no or a refused token, no route): a MediaApiError with
 *   the nearest code, `fromGateway` set;
 * - storage (S3, or the local S3-compatible endpoint): a StorageError with S3's own code;
 * - the network: a TypeError (nobody answered: offline, CORS refusal, server down), or an abort.
 */
export type ErrorSource = "api" | "gateway" | "storage" | "network" | "client";

/** The app's own codes, for what never reached the API: no connection, no session. */
export type ClientCode = "NetworkError" | "Timeout" | "SignedOut" | "StorageError";
/** S3's <Code>: AccessDenied, EntityTooLarge… (an open list: S3 has many). */
export type StorageCode = string;

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly source: ErrorSource,
    /** The API's code (one of the shared list) for "api" and "gateway"; S3's for "storage"; the app's otherwise. */
    readonly code: ErrorCode | ClientCode | StorageCode,
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
  const details = error instanceof AppError || error instanceof MediaApiError ? error.details : undefined;
  const fields = details?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter((f): f is { field: string; problem: string } => !!f && typeof f.field === "string" && typeof f.problem === "string");
}

/**
 * The AppError for whatever a call threw: the client's typed errors, fetch's own failures, aborts.
 * `what` names who could not be reached when nobody answered.
 */
export function errorFromThrown(error: unknown, what: "server" | "storage" = "server"): AppError | AbortedError {
  if (error instanceof AppError || error instanceof AbortedError) return error;
  if (error instanceof UploadCancelledError) return new AbortedError();
  if (error instanceof MediaApiError) return error.fromGateway ? fromGateway(error) : fromApi(error.status, error.code, error.message, error.details);
  if (error instanceof StorageError) return fromStorage(error);
  if (error instanceof Error && error.name === "AbortError") return new AbortedError();
  if (error instanceof Error && error.name === "TimeoutError") {
    return new AppError("network", "Timeout", `The ${what} took too long to answer. Check your connection and try again.`);
  }
  if (error instanceof TypeError) {
    return new AppError(
      "network",
      "NetworkError",
      what === "storage" ? "The upload could not reach storage. Check your connection and try again." : "Can't reach the server. Check your connection and try again.",
    );
  }
  return new AppError("client", "InternalError", "Something went wrong in the app. Reload the page and try again.", undefined, undefined, error instanceof Error ? error.message : undefined);
}

/**
 * The AppError for an HTTP answer, read as the client reads it (one parser): what the app meets when a
 * call fails with this status and body. Tests build realistic failures with it.
 */
export function errorFromResponse(status: number, contentType: string | null, body: string, from: "api" | "storage" = "api"): AppError {
  const text = body.trim();
  const error = from === "storage" || (text.startsWith("<") && !/json/i.test(contentType ?? "")) ? storageErrorOf(status, text) : errorFromBody(status, text);
  return errorFromThrown(error) as AppError;
}

/** The text people see for any thrown value. */
export function describeError(error: unknown): { message: string; code?: string; hints: string[] } {
  const e = errorFromThrown(error);
  if (e instanceof AbortedError) return { message: "Cancelled.", hints: [] };
  if (e.source === "client" && e.code === "InternalError") return { message: e.message, hints: [] };
  const hints = fieldProblems(e).map((f) => `${f.field}: ${f.problem}`);
  return { message: e.message, code: e.code, hints };
}

function fromApi(status: number, code: ErrorCode, message: string, details?: Record<string, unknown>): AppError {
  const num = (k: string) => (typeof details?.[k] === "number" ? (details[k] as number) : undefined);
  let friendly = message || statusMessage(status, "api");
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

function fromGateway(error: MediaApiError): AppError {
  const original = error.message.startsWith("HTTP ") ? undefined : error.message;
  switch (error.status) {
    case 401:
      return new AppError("gateway", error.code, "Your session has ended. Sign in again.", 401, undefined, original);
    case 403:
      return new AppError("gateway", error.code, "Your session is no longer valid. Sign in again.", 403, undefined, original);
    default:
      return new AppError("gateway", error.code, statusMessage(error.status, "api"), error.status, undefined, original);
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

function fromStorage(error: StorageError): AppError {
  if (!error.code) {
    // Nothing S3 named: a refusal of the client's own (the file changed size), or a status alone.
    const message = error.status === 0 ? error.message : statusMessage(error.status, "storage");
    return new AppError(error.status === 0 ? "client" : "storage", "StorageError", message, error.status || undefined, undefined, error.message);
  }
  const original = error.reason;
  const friendly = STORAGE_MESSAGES[error.code] ?? (original ? `Storage refused the request: ${original}` : `Storage refused the request (${error.code}).`);
  return new AppError("storage", error.code, friendly, error.status, undefined, original);
}

/** What a bare status means, when nobody said more. */
function statusMessage(status: number, from: "api" | "storage"): string {
  if (status === 400) return "The request was not accepted.";
  if (status === 401) return "Your session has ended. Sign in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "Not found: it may have been deleted.";
  if (status === 408) return "The request took too long. Try again.";
  if (status === 413) return "That is too large to send.";
  if (status === 429) return "Too many requests. Wait a moment and try again.";
  if (status >= 500) return `The ${from === "storage" ? "storage service" : "server"} had a problem (${status}). Try again in a moment.`;
  return `Unexpected answer (${status}).`;
}
