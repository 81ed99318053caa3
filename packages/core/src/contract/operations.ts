import { z, type AnyZodObject, type ZodTypeAny } from "zod";
import type * as mini from "zod/v4-mini";
import { ConfirmInput, ForgotPasswordInput, LoginInput, LogoutInput, RefreshInput, ResendCodeInput, ResetPasswordInput, SignUpInput } from "../accounts";
import { ListFilesInput, UpdateFileInput } from "../library";
import { CreateShareInput, OpenShareQuery } from "../sharing";
import { DeleteAccountInput } from "../account-deletion";
import { ChangeEmailInput, ChangePasswordInput, LoginMfaInput, TotpCodeInput, VerifyEmailInput } from "../account-security";
import { CompleteUploadInput, SignPartsInput } from "../multipart-upload";
import { PresignUploadInput } from "../upload";
import {
  CreatedShareSchema,
  EmailChangedSchema,
  ExportAnswerSchema,
  MfaChallengeSchema,
  MfaOnSchema,
  TotpSetupSchema,
  FileListSchema,
  FileSchema,
  HealthSchema,
  MeSchema,
  MessageSchema,
  PresignUploadResultSchema,
  ShareListSchema,
  SignedPartsSchema,
  SignUpResultSchema,
  TokensSchema,
  UploadedPartsSchema,
} from "./responses";

/**
 * What each route of the route table (routes.ts) takes and answers, keyed by its route key. The request
 * schemas are the ones the handlers parse with; the OpenAPI generator refuses a route without an entry
 * here, so a new route cannot be left out of the document.
 */
export interface Operation {
  operationId: string;
  summary: string;
  tag: "accounts" | "files" | "sharing" | "service";
  /** zod 3, or zod 4 mini for the account routes (mini-schema.ts), which openapi.ts turns into JSON Schema. */
  body?: ZodTypeAny | mini.ZodMiniType;
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
  query?: AnyZodObject;
  success: { status: 200 | 201 | 202 | 204 | 302; description: string; schema?: ZodTypeAny };
  /** Statuses of `{error}` answers this route gives besides the 400/429/500 every route may give. */
  errors?: readonly (401 | 403 | 404 | 409 | 413 | 415)[];
}

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  "GET /health": { operationId: "health", summary: "Liveness", tag: "service", success: { status: 200, description: "Up", schema: HealthSchema } },
  "GET /openapi.json": {
    operationId: "openapi",
    summary: "This document",
    tag: "service",
    success: { status: 200, description: "The OpenAPI 3.1 description of the API" },
  },
  "POST /signup": {
    operationId: "signUp",
    summary: "Create an account; a confirmation code is emailed",
    tag: "accounts",
    body: SignUpInput,
    success: { status: 201, description: "Registered", schema: SignUpResultSchema },
    errors: [409],
  },
  "POST /confirm": { operationId: "confirm", summary: "Confirm an account with the emailed code", tag: "accounts", body: ConfirmInput, success: { status: 200, description: "Confirmed", schema: MessageSchema }, errors: [404, 409] },
  "POST /resend-code": { operationId: "resendCode", summary: "Email a new confirmation code", tag: "accounts", body: ResendCodeInput, success: { status: 202, description: "Sent if the account exists and is unconfirmed", schema: MessageSchema } },
  "POST /login": {
    operationId: "login",
    summary: "Sign in by email or username",
    tag: "accounts",
    body: LoginInput,
    success: { status: 200, description: "Tokens, or the MFA challenge when the account has MFA on", schema: z.union([TokensSchema, MfaChallengeSchema]) },
    errors: [401, 403],
  },
  "POST /login/mfa": { operationId: "loginMfa", summary: "The code of the MFA challenge: the tokens of /login", tag: "accounts", body: LoginMfaInput, success: { status: 200, description: "Tokens", schema: TokensSchema }, errors: [401] },
  "POST /me/password": { operationId: "changePassword", summary: "Change the password; every session ends, this one included", tag: "accounts", body: ChangePasswordInput, success: { status: 204, description: "Changed" }, errors: [401, 403] },
  "POST /me/logout-everywhere": { operationId: "logoutEverywhere", summary: "End every session on every device", tag: "accounts", success: { status: 204, description: "Signed out everywhere" }, errors: [401, 403] },
  "POST /me/email": { operationId: "changeEmail", summary: "Send a code to a new email address; sign-in keeps the old one until it is verified", tag: "accounts", body: ChangeEmailInput, success: { status: 202, description: "Code sent", schema: MessageSchema }, errors: [401, 403, 409] },
  "POST /me/email/verify": { operationId: "verifyEmail", summary: "Move sign-in to the new email with its code", tag: "accounts", body: VerifyEmailInput, success: { status: 200, description: "Changed", schema: EmailChangedSchema }, errors: [401, 403, 409] },
  "POST /me/mfa/totp": { operationId: "setUpTotp", summary: "Start setting up an authenticator app (TOTP)", tag: "accounts", success: { status: 200, description: "The secret and its otpauth URI", schema: TotpSetupSchema }, errors: [401, 403] },
  "POST /me/mfa/totp/verify": { operationId: "verifyTotp", summary: "Turn MFA on with a first code from the app", tag: "accounts", body: TotpCodeInput, success: { status: 200, description: "MFA on", schema: MfaOnSchema }, errors: [401, 403, 409] },
  "DELETE /me/mfa": { operationId: "disableMfa", summary: "Turn MFA off with a code from the app", tag: "accounts", body: TotpCodeInput, success: { status: 204, description: "MFA off" }, errors: [401, 403, 409] },
  "GET /me/export": { operationId: "exportAccount", summary: "Every file and its metadata, with download URLs valid an hour", tag: "accounts", success: { status: 200, description: "The export manifest, or for one too large to answer inline, a link to it (manifestUrl)", schema: ExportAnswerSchema }, errors: [401, 403] },
  "DELETE /me": { operationId: "deleteAccount", summary: "Delete the account and everything in it (repeat to finish an interrupted one)", tag: "accounts", body: DeleteAccountInput, success: { status: 204, description: "Deleted" }, errors: [401, 403] },
  "POST /refresh": { operationId: "refresh", summary: "New access and id tokens for a refresh token", tag: "accounts", body: RefreshInput, success: { status: 200, description: "Tokens", schema: TokensSchema }, errors: [401] },
  "POST /forgot-password": { operationId: "forgotPassword", summary: "Email a password reset code", tag: "accounts", body: ForgotPasswordInput, success: { status: 202, description: "The same answer whether or not the account exists", schema: MessageSchema } },
  "POST /reset-password": { operationId: "resetPassword", summary: "Set a new password with the emailed code; ends every session", tag: "accounts", body: ResetPasswordInput, success: { status: 200, description: "Changed", schema: MessageSchema }, errors: [404] },
  "POST /logout": { operationId: "logout", summary: "Revoke the refresh token and end every session", tag: "accounts", body: LogoutInput, success: { status: 204, description: "Signed out" }, errors: [401, 403] },
  "POST /upload": {
    operationId: "presignUpload",
    summary: "Authorise one upload of exactly this file: a presigned POST policy, a presigned PUT, or a multipart upload",
    tag: "files",
    body: PresignUploadInput,
    success: { status: 201, description: "Send the file to storage as the answer says", schema: PresignUploadResultSchema },
    errors: [401, 403, 409, 413, 415],
  },
  "POST /files/{fileId}/parts": {
    operationId: "signParts",
    summary: "Presigned URLs for parts of a multipart upload, each bound to its exact length",
    tag: "files",
    body: SignPartsInput,
    success: { status: 200, description: "A URL per part number", schema: SignedPartsSchema },
    errors: [401, 403, 404, 409],
  },
  "GET /files/{fileId}/parts": {
    operationId: "listParts",
    summary: "The parts of a multipart upload that arrived, to resume it",
    tag: "files",
    success: { status: 200, description: "What arrived, and the upload's plan", schema: UploadedPartsSchema },
    errors: [401, 403, 404, 409],
  },
  "POST /files/{fileId}/complete": {
    operationId: "completeUpload",
    summary: "Join the parts into the file; it is then indexed (pending until ready)",
    tag: "files",
    body: CompleteUploadInput,
    success: { status: 200, description: "The file", schema: FileSchema },
    errors: [401, 403, 404, 409, 413],
  },
  "GET /retrieve": { operationId: "listFiles", summary: "The caller's files, newest first, a page at a time", tag: "files", query: ListFilesInput, success: { status: 200, description: "A page", schema: FileListSchema }, errors: [401, 403] },
  "GET /files/{fileId}": { operationId: "getFile", summary: "One file", tag: "files", success: { status: 200, description: "The file", schema: FileSchema }, errors: [401, 403, 404] },
  "GET /files/{fileId}/download": { operationId: "downloadFile", summary: "Redirect to a presigned GET that saves the file under its name", tag: "files", success: { status: 302, description: "`Location` is the download" }, errors: [401, 403, 404] },
  "PATCH /files/{fileId}": { operationId: "updateFile", summary: "Rename, describe or tag a file", tag: "files", body: UpdateFileInput, success: { status: 200, description: "The file", schema: FileSchema }, errors: [401, 403, 404] },
  "DELETE /files/{fileId}": { operationId: "deleteFile", summary: "Delete a file (or cancel a pending upload); repeating it succeeds", tag: "files", success: { status: 204, description: "Gone" }, errors: [401, 403] },
  "POST /files/{fileId}/share": { operationId: "shareFile", summary: "Make a share link (shown this once)", tag: "sharing", body: CreateShareInput, bodyOptional: true, success: { status: 201, description: "The link", schema: CreatedShareSchema }, errors: [401, 403, 404, 409] },
  "GET /files/{fileId}/shares": { operationId: "listShares", summary: "The file's links not yet expired (without their URLs)", tag: "sharing", success: { status: 200, description: "Links", schema: ShareListSchema }, errors: [401, 403, 404] },
  "DELETE /files/{fileId}/share/{shareId}": { operationId: "revokeShare", summary: "Revoke a share link; repeating it succeeds", tag: "sharing", success: { status: 204, description: "Revoked" }, errors: [401, 403, 404] },
  "GET /s/{token}": { operationId: "openShare", summary: "Open a share link (public: the token is the credential)", tag: "sharing", query: OpenShareQuery.innerType(), success: { status: 302, description: "`Location` is the file; a browser asking for HTML gets a page instead" }, errors: [404] },
  "GET /me": { operationId: "me", summary: "The caller, their usage and the limits an upload must fit", tag: "accounts", success: { status: 200, description: "The caller", schema: MeSchema }, errors: [401, 403] },
};
