import { z } from "zod";
import type { ExportManifest, StoredExport } from "../account-export";
import type { TotpSetup } from "../account-security";
import type { Tokens } from "../accounts";
import { ERROR_CODES, type ErrorCode } from "../error-codes";
import type { UsageAndLimits } from "../library";
import type { FileView, MediaMetadata } from "../media-record";
import type { CreatedShare, ShareView } from "../sharing";
import type { PresignUploadResult } from "../upload";

/**
 * What the API answers, as schemas: the OpenAPI document is generated from them, the end-to-end tests
 * check every response against that document, and the client's types are inferred from them. Each is
 * tied to the type the core function returns by `Same` below, so the schema cannot drift from the code.
 */

const isoTime = z.string().datetime({ offset: true });

export const MediaMetadataSchema = z
  .object({
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    format: z.string().optional(),
    orientation: z.number().int().min(1).max(8).optional(),
    takenAt: z.string().optional(),
    cameraMake: z.string().optional(),
    cameraModel: z.string().optional(),
    durationSeconds: z.number().optional(),
    bitrate: z.number().optional(),
    sampleRate: z.number().optional(),
    channels: z.number().int().optional(),
    codec: z.string().optional(),
    title: z.string().optional(),
    artist: z.string().optional(),
    album: z.string().optional(),
  })
  .describe("What the indexer learned from the content (never from what the client declared).");

export const MediaStatusSchema = z.enum(["pending", "ready", "rejected"]);

export const FileSchema = z.object({
  fileId: z.string().describe("A ULID: sorts by upload time."),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  status: MediaStatusSchema,
  uploadedAt: isoTime,
  fileUrl: z.string().url().optional().describe("Presigned GET that shows the file inline (ready files)."),
  downloadUrl: z.string().url().optional().describe("Presigned GET that saves the file under its name (ready files)."),
  thumbnailUrl: z.string().url().optional(),
  streamUrl: z.string().url().optional().describe("Presigned GET of the audio rendition every browser plays (AAC in MP4), when made."),
  previewUrl: z.string().url().optional().describe("Presigned GET of the display-size WebP (1,600 px), when made."),
  waveformUrl: z.string().url().optional().describe("Presigned GET of the waveform peaks (JSON), when made."),
  renditions: z
    .object({ status: z.enum(["pending", "ready", "failed", "none"]), reason: z.string().optional() })
    .optional()
    .describe("Renditions are made after the file is ready; they never hold it back."),
  metadata: MediaMetadataSchema,
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  rejectionReason: z.string().optional(),
});

export const FileListSchema = z.object({
  files: z.array(FileSchema),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last one."),
});

const UploadAnswerSchema = z.object({
  message: z.string(),
  fileId: z.string(),
  key: z.string(),
  maxBytes: z.number().int().positive(),
});

export const PresignUploadResultSchema = z.union([
  UploadAnswerSchema.extend({
    upload: z
      .object({ url: z.string().url(), fields: z.record(z.string()), expiresAt: isoTime })
      .describe("POST multipart/form-data to `url`: every field, then the file last, named `file`."),
  }),
  UploadAnswerSchema.extend({
    upload: z
      .object({ method: z.literal("PUT"), url: z.string().url(), headers: z.record(z.string()), expiresAt: isoTime })
      .describe("PUT the file as the body to `url` with exactly these headers (method: put)."),
  }),
  UploadAnswerSchema.extend({
    multipart: z
      .object({ uploadId: z.string(), partSize: z.number().int().positive(), partCount: z.number().int().positive(), expiresAt: isoTime })
      .describe("Ask for part URLs (POST /files/{fileId}/parts), PUT each part, then complete (method: multipart)."),
  }),
]);

export const SignedPartsSchema = z.object({
  parts: z.array(z.object({ partNumber: z.number().int().positive(), url: z.string().url() })),
  expiresAt: isoTime,
});

export const UploadedPartsSchema = z.object({
  parts: z.array(z.object({ partNumber: z.number().int().positive(), eTag: z.string(), size: z.number().int().nonnegative() })),
  partSize: z.number().int().positive(),
  partCount: z.number().int().positive(),
});

export const MessageSchema = z.object({ message: z.string() });

export const SignUpResultSchema = z.object({ message: z.string(), userId: z.string(), confirmed: z.boolean() });

export const TokensSchema = z.object({
  message: z.string(),
  token: z.string().describe("The access token (kept for older clients)."),
  accessToken: z.string(),
  idToken: z.string(),
  refreshToken: z.string().optional().describe("Only from /login; /refresh keeps the one it was given."),
  expiresIn: z.number().int().positive().describe("Seconds the access token lives."),
  tokenType: z.literal("Bearer"),
});

/** `POST /login` for an account with MFA on: send `session` and the app's code to `POST /login/mfa`. */
export const MfaChallengeSchema = z.object({
  message: z.string(),
  challenge: z.literal("SOFTWARE_TOKEN_MFA"),
  session: z.string().describe("Lives 3 minutes, as Cognito's."),
});

export const TotpSetupSchema = z.object({
  secret: z.string(),
  otpauthUri: z.string().describe("Show as a QR code for the authenticator app."),
});

export const MfaOnSchema = z.object({ message: z.string(), mfa: z.literal("SOFTWARE_TOKEN_MFA") });

export const EmailChangedSchema = z.object({ message: z.string(), email: z.string().email() });

const ExportHeaderSchema = z.object({
  format: z.literal("media-storage-export/1"),
  userId: z.string(),
  email: z.string(),
  exportedAt: isoTime,
  urlsExpireAt: isoTime.describe("When the URLs stop working: ask for a new export then."),
  usage: z.object({ files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
});

/** The File of the contract with the download and thumbnail URLs only (valid an hour). */
const ExportedFileSchema = FileSchema.omit({ fileUrl: true, streamUrl: true, previewUrl: true, waveformUrl: true, renditions: true });

export const ExportManifestSchema = ExportHeaderSchema.extend({ files: z.array(ExportedFileSchema) });

export const StoredExportSchema = ExportHeaderSchema.extend({
  message: z.string(),
  manifestUrl: z.string().url().describe("The whole manifest (too large to answer inline), valid until urlsExpireAt."),
  fileCount: z.number().int().nonnegative(),
});

/** Inline when it fits a Lambda response; otherwise a pointer to the manifest in the bucket. */
export const ExportAnswerSchema = z.union([ExportManifestSchema, StoredExportSchema]);

export const UsageAndLimitsSchema = z.object({
  usage: z.object({
    files: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    reservedBytes: z.number().int().nonnegative(),
    quotaBytes: z.number().int().nonnegative(),
  }),
  limits: z.object({ maxFileBytes: z.number().int().positive(), quotaBytes: z.number().int().positive() }),
});

export const MeSchema = UsageAndLimitsSchema.extend({ userId: z.string(), email: z.string() });

export const CreatedShareSchema = z.object({ shareId: z.string(), url: z.string().url(), expiresAt: isoTime });
export const ShareSchema = z.object({ shareId: z.string(), createdAt: isoTime, expiresAt: isoTime });
export const ShareListSchema = z.object({ shares: z.array(ShareSchema) });

export const HealthSchema = z.object({ status: z.literal("ok") });

/** The closed list of codes (error-codes.ts), as a schema here: error-codes.ts itself stays free of zod for the web app. */
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    details: z.record(z.unknown()).optional(),
  }),
});

/** API Gateway's own answer (no token: 401, the authorizer said no: 403, it failed: 500, no route: 404). */
export const GatewayErrorSchema = z.object({ message: z.string() });

export type ApiFile = z.infer<typeof FileSchema>;
export type FileList = z.infer<typeof FileListSchema>;
export type PresignUploadResponse = z.infer<typeof PresignUploadResultSchema>;
/** The answer to `method: "post"` (the default): a form POST policy. */
export type PostUploadResponse = Extract<PresignUploadResponse, { upload: { fields: Record<string, string> } }>;
export type TokensResponse = z.infer<typeof TokensSchema>;
export type SignUpResponse = z.infer<typeof SignUpResultSchema>;
export type MeResponse = z.infer<typeof MeSchema>;
export type CreatedShareResponse = z.infer<typeof CreatedShareSchema>;
export type ShareListResponse = z.infer<typeof ShareListSchema>;
export type ErrorResponse = z.infer<typeof ErrorBodySchema>;

/** Compiles only when A and B are the same type: ties each schema to what core returns. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const tied: [
  Same<z.infer<typeof MediaMetadataSchema>, MediaMetadata>,
  Same<ApiFile, FileView>,
  Same<PresignUploadResponse, PresignUploadResult>,
  Same<z.infer<typeof UsageAndLimitsSchema>, UsageAndLimits>,
  Same<CreatedShareResponse, CreatedShare>,
  Same<z.infer<typeof ShareSchema>, ShareView>,
  Same<Pick<TokensResponse, "accessToken" | "idToken" | "refreshToken" | "expiresIn">, Tokens>,
  Same<z.infer<typeof ExportManifestSchema>, ExportManifest>,
  Same<z.infer<typeof StoredExportSchema>, StoredExport>,
  Same<z.infer<typeof TotpSetupSchema>, TotpSetup>,
] = [true, true, true, true, true, true, true, true, true, true];
void tied;
