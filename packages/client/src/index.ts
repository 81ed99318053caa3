export { MediaClient, type FilePatch, type ListFilter, type MediaClientOptions } from "./client";
export { MediaApiError, MfaRequiredError, StorageError, UploadCancelledError } from "./errors";
export { MfaChallenge, type MfaCodeProvider } from "./mfa";
export type { MediaEvent } from "./live";
export type { Session } from "./session";
export { DEFAULT_MULTIPART_THRESHOLD, type UploadMethod, type UploadOptions, type UploadProgress, type UploadResult, type UploadSource } from "./upload";
export type { ApiFile, CreatedShareResponse, MeResponse, PresignUploadResponse } from "@media/core/contract/responses";
export { ERROR_CODES, type ErrorCode } from "@media/core/error-codes";
