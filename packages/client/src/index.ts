export { MediaClient, type FilePatch, type ListFilter, type MediaClientOptions } from "./client";
export { MediaApiError, MfaRequiredError, StorageError, UploadCancelledError } from "./errors";
export { MfaChallenge, type MfaCodeProvider } from "./mfa";
export type { MediaEvent } from "./live";
export type { Session } from "./session";
export type { UploadOptions, UploadProgress, UploadResult, UploadSource } from "./upload";
export type { ApiFile, CreatedShareResponse, MeResponse, PresignUploadResponse } from "@media/core/contract/responses";
export { ERROR_CODES, type ErrorCode } from "@media/core/error-codes";
