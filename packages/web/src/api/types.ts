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

export interface Me {
  userId: string;
  email: string;
  usage: { files: number; bytes: number; quotaBytes: number };
}
