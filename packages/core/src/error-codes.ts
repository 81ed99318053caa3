/**
 * The closed list of error codes the API answers with, in `{"error": {"code", "message"}}`. The error
 * classes (errors.ts) accept only these, the OpenAPI document enumerates them and the client types its
 * errors by them, so a new code is written here once and shows up everywhere.
 */
export const ERROR_CODES = {
  ValidationError: "A field of the request is missing or malformed; `details.fields` says which.",
  InvalidJson: "The request body is not valid JSON.",
  MissingBody: "The route needs a JSON request body.",
  BodyTooLarge: "The request body is over 64 KiB.",
  UnsupportedContentType: "The request body is not application/json.",
  InvalidParameter: "Cognito refused a parameter (email, username, code or password).",
  InvalidHost: "The request has no usable Host header (local runtime only).",
  InvalidCursor: "The list cursor is malformed, expired, or belongs to another query.",
  InvalidRange: "`from` is after `to`.",
  InvalidFileName: "The file name is empty or holds characters that cannot be stored.",
  InvalidContentType: "The declared type is not an accepted image or audio type.",
  InvalidCode: "The confirmation or reset code is wrong.",
  ExpiredCode: "The code has expired; ask for a new one.",
  CodeReused: "This one-time code was used already; wait for the next one.",
  MfaCodeRequired: "MFA is on for this account: the request needs `code` from the authenticator.",
  MfaNotSetUp: "No authenticator is set up (or verified) for this account.",
  WeakPassword: "The password does not meet the pool's policy.",
  AlreadyConfirmed: "The account is already confirmed.",
  Unauthorized: "Authentication required, or the token is not valid.",
  InvalidCredentials: "Wrong email, username or password.",
  InvalidToken: "The access token is not valid.",
  InvalidRefreshToken: "The refresh token is not valid, expired or revoked.",
  Forbidden: "The caller may not do this.",
  WrongPassword: "The current password (or the password confirming a deletion) is wrong; nothing changed.",
  MfaSessionExpired: "The sign-in's MFA step expired (3 minutes) or was tampered with; sign in again.",
  UserNotConfirmed: "The account exists but is not confirmed yet.",
  PasswordResetRequired: "The account must reset its password before signing in.",
  ChallengeRequired: "The account needs a sign-in step this API does not offer.",
  NotFound: "No such resource (another user's file answers the same).",
  FileNotReady: "The file is not ready yet (still pending or rejected).",
  Conflict: "The request conflicts with the current state.",
  UserExists: "An account with this email already exists.",
  UsernameTaken: "Another account uses this username.",
  EmailTaken: "Another account signs in with this email.",
  UploadExists: "This upload already exists.",
  InvalidPartNumber: "A part number is outside the upload's plan (1 to its part count).",
  InvalidPartOrder: "The parts to complete are not in ascending order, or one is listed twice.",
  InvalidPart: "A part to complete was not uploaded, or its ETag does not match what arrived.",
  IncompleteUpload: "Parts of the multipart upload are missing or of the wrong size; `GET /files/{fileId}/parts` says what arrived.",
  NotMultipartUpload: "The file was not uploaded in parts, or is no longer pending.",
  UploadGone: "The multipart upload was completed or aborted meanwhile.",
  PayloadTooLarge: "Too large.",
  UploadTooLarge: "The parts add up to more than the size declared when the upload began.",
  FileTooLarge: "The file is over the per-file limit; `details.maxFileBytes` says it.",
  QuotaExceeded: "The file does not fit in what is left of the quota.",
  UnsupportedMediaType: "The type is not accepted.",
  TooManyRequests: "A rate limit was reached; `Retry-After` says when to try again.",
  InternalError: "Something failed on the server's side.",
  ServiceUnavailable: "A dependency is unavailable; try again.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}
