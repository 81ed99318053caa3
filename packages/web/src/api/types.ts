/**
 * The HTTP contract's shapes under the names the app uses: every one is the client's (inferred from
 * the zod schemas the handlers parse and answer with), none declared again here.
 */
export type {
  ApiFile as MediaFile,
  CreatedShareResponse as CreatedShare,
  FileList as FilePage,
  MeResponse as Me,
  PresignUploadResponse as PresignAnswer,
  SignUpResponse as SignUpAnswer,
  TokensResponse as TokenAnswer,
} from "@media/client";
import type { MeResponse, ShareListResponse } from "@media/client";
/** The event schema the indexer publishes with (one schema: SNS, the live stream, this app). */
export type { MediaEvent } from "@media/core/media-event";

export type Usage = MeResponse["usage"];
export type ShareSummary = ShareListResponse["shares"][number];
