import type { FileView } from "@media/core/media-record";
import type { MediaEvent } from "@media/core/media-event";

/** The HTTP contract's shapes (DESIGN.md section 4), shared with the server through @media/core's types. */
export type MediaFile = FileView;
export type { MediaEvent };

export interface TokenAnswer {
  message: string;
  token: string;
  accessToken: string;
  idToken: string;
  /** Only /login returns one; /refresh keeps the old. */
  refreshToken?: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  tokenType: "Bearer";
}

export interface SignUpAnswer {
  message: string;
  userId: string;
  confirmed: boolean;
}

export interface PresignAnswer {
  message: string;
  fileId: string;
  key: string;
  upload: { url: string; fields: Record<string, string>; expiresAt: string };
  maxBytes: number;
}

export interface FilePage {
  files: MediaFile[];
  nextCursor: string | null;
}

export interface Usage {
  files: number;
  bytes: number;
  reservedBytes?: number;
  quotaBytes: number;
}

export interface Me {
  userId: string;
  email: string;
  /**
   * bytes: stored files; reservedBytes: declared sizes of pending uploads (absent from an older API).
   * The quota holds both: what is left is quotaBytes − bytes − reservedBytes.
   */
  usage: Usage;
  /** Absent from an API older than the app: the per-file limit is then learned from a 413. */
  limits?: { maxFileBytes: number; quotaBytes: number };
}

/** POST /files/{fileId}/share: the link is in this answer only (the API keeps a hash of its token). */
export interface CreatedShare {
  shareId: string;
  url: string;
  expiresAt: string;
}

/** GET /files/{fileId}/shares lists the links not yet expired, without their URLs. */
export interface ShareSummary {
  shareId: string;
  createdAt: string;
  expiresAt: string;
}
