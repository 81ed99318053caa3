import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { ConflictError, NotFoundError } from "./errors";
import { contentDisposition } from "./file-name";
import { isFileId, newFileId } from "./ids";
import { originalKey } from "./keys";
import type { Limits } from "./limits";
import { currentRenditions, type MediaRecord } from "./media-record";
import { PREVIEW_RENDITION, STREAM_RENDITION } from "./renditions/rendition-settings";
import type { Clock, MediaRepository, ObjectStorage, ShareRecord, ShareRepository } from "./ports";

/**
 * Share links: a URL anyone can open until it expires or its owner revokes it.
 *
 * Why not hand out a presigned S3 URL: it cannot be revoked, lives at most 7 days, and dies with the
 * credentials that signed it (on Lambda, the role's session credentials, which expire within hours).
 * So the link is ours, `{api}/s/{token}`: the token is 128 random bits (base64url, 22 characters), and
 * only its SHA-256 is stored, so a leak of the table opens nothing. Opening the link looks the hash up,
 * checks the expiry and that the file is still there and ready, and answers with a redirect to a
 * presigned GET that lives a few minutes: revoking or deleting stops new opens at once, and a redirect
 * already handed out outlives it by at most those few minutes. Guessing 128 bits is hopeless at any
 * rate, so unknown, expired and revoked tokens answer the same 404; the error also says whether the link
 * is known and past its expiry, so a person holding it can be told that much (the share page). A
 * revoked link, a deleted file and a token never issued leave the same nothing behind.
 */

export const MAX_SHARE_SECONDS = 7 * 24 * 3600;
export const DEFAULT_SHARE_SECONDS = 24 * 3600;
/** The lifetime of the presigned GET an opened link redirects to. */
export const SHARE_REDIRECT_SECONDS = 5 * 60;

export const CreateShareInput = z.object({
  expiresInSeconds: z.number().int().min(1).max(MAX_SHARE_SECONDS).default(DEFAULT_SHARE_SECONDS),
});
export type CreateShareInput = z.output<typeof CreateShareInput>;

/**
 * `?download=1` saves the file under its original name; without it the file shows inline, and
 * `?rendition=preview` (an image's display-size preview) or `?rendition=stream` (an audio file's AAC stream)
 * serves that rendition instead of the original when one was made of the file as it is now.
 */
export const OpenShareQuery = z
  .object({
    download: z.string().optional(),
    rendition: z
      .enum(["preview", "stream"])
      .optional()
      .describe("Serve the display-size preview (WebP) of an image or the stream (AAC) of an audio file when one was made, else the original"),
  })
  .transform((q): { download: boolean; rendition?: SharedRendition } => {
    const download = q.download === "1" || q.download === "true";
    return q.rendition ? { download, rendition: q.rendition } : { download };
  });
export type OpenShareQuery = z.output<typeof OpenShareQuery>;
export type SharedRendition = "preview" | "stream";

/** Where each rendition a link may serve is kept on the record, and what it is served as. */
const SHARED_RENDITIONS = {
  preview: { key: "previewKey", contentType: PREVIEW_RENDITION.contentType },
  stream: { key: "streamKey", contentType: STREAM_RENDITION.contentType },
} as const satisfies Record<SharedRendition, { key: string; contentType: string }>;

export interface SharingDeps {
  repo: Pick<MediaRepository, "get">;
  shares: ShareRepository;
  storage: Pick<ObjectStorage, "presignGet">;
  clock: Clock;
  limits: Pick<Limits, "urlExpiresSeconds">;
}

export interface CreatedShare {
  shareId: string;
  /** The link itself: shown this once, since only its hash is kept. */
  url: string;
  expiresAt: string;
}

/** A link as its owner lists it: no URL (the token is not kept), when it was made and until when it opens. */
export interface ShareView {
  shareId: string;
  createdAt: string;
  expiresAt: string;
}

const TOKEN = /^[A-Za-z0-9_-]{22}$/;
const SHARE_PATH = "/s/";

export function newShareToken(): string {
  return randomBytes(16).toString("base64url");
}

export function isShareToken(value: string): boolean {
  return TOKEN.test(value);
}

export function hashShareToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** The public URL of a token, under the API's own origin (`https://host`, no trailing slash). */
export function shareUrl(origin: string, token: string): string {
  return `${origin}${SHARE_PATH}${token}`;
}

export async function createShare(deps: SharingDeps, userId: string, fileId: string, input: CreateShareInput, origin: string): Promise<CreatedShare> {
  const file = await ownFile(deps, userId, fileId);
  if (file.status !== "ready") {
    throw new ConflictError("Only a file that has finished uploading and indexing can be shared.", { code: "FileNotReady" });
  }
  const now = deps.clock.now();
  const token = newShareToken();
  const share: ShareRecord = {
    shareId: newFileId(now),
    userId,
    fileId,
    tokenHash: hashShareToken(token),
    createdAt: now,
    expiresAt: now + input.expiresInSeconds * 1000,
  };
  await deps.shares.create(share);
  return { shareId: share.shareId, url: shareUrl(origin, token), expiresAt: new Date(share.expiresAt).toISOString() };
}

export async function listShares(deps: SharingDeps, userId: string, fileId: string): Promise<{ shares: ShareView[] }> {
  await ownFile(deps, userId, fileId);
  const shares = await deps.shares.listForFile(userId, fileId, deps.clock.now());
  return {
    shares: shares.map((s) => ({ shareId: s.shareId, createdAt: new Date(s.createdAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString() })),
  };
}

/** Revokes a link of the caller's file. Revoking what is already gone (or never was) succeeds. */
export async function revokeShare(deps: SharingDeps, userId: string, fileId: string, shareId: string): Promise<void> {
  await ownFile(deps, userId, fileId);
  // A malformed id names no link: nothing to revoke, and nothing to look up.
  if (!isFileId(shareId)) return;
  await deps.shares.revoke(userId, fileId, shareId);
}

/** Why a share link does not open: past its expiry, or nothing to open (revoked, deleted, never issued). */
export type ShareUnavailableReason = "expired" | "unavailable";

/** The one 404 of a link that does not open, with the reason for a page to show (the JSON stays the same). */
export class ShareUnavailableError extends NotFoundError {
  constructor(readonly reason: ShareUnavailableReason) {
    super("This link does not exist, has expired or was revoked.");
  }
}

/** The link's file if the link opens now; anything else is the one 404 (with its reason for a page). */
async function liveShare(deps: SharingDeps, token: string): Promise<{ file: MediaRecord; expiresAt: number; now: number }> {
  const gone = (reason: ShareUnavailableReason = "unavailable") => new ShareUnavailableError(reason);
  if (!isShareToken(token)) throw gone();
  const share = await deps.shares.findByTokenHash(hashShareToken(token));
  const now = deps.clock.now();
  if (!share) throw gone();
  // TTL deletes expired items up to two days late: the expiry is checked here, to the millisecond.
  if (share.expiresAt <= now) throw gone("expired");
  // A deleted file's links stop here even if their items were not cleaned up (deleteFile revokes
  // them, but a failure half-way must not leave a working link).
  const file = await deps.repo.get(share.userId, share.fileId);
  if (!file || file.status !== "ready") throw gone();
  return { file, expiresAt: share.expiresAt, now };
}

/**
 * Where an opened link leads: a short-lived presigned GET of the original, or of its preview when asked
 * for and made (a download is always the original). Anything else is the one 404.
 */
export async function openShare(deps: SharingDeps, token: string, query: OpenShareQuery): Promise<string> {
  const { file, expiresAt, now } = await liveShare(deps, token);
  const remainingSeconds = Math.ceil((expiresAt - now) / 1000);
  const expiresSeconds = Math.max(1, Math.min(SHARE_REDIRECT_SECONDS, deps.limits.urlExpiresSeconds, remainingSeconds));
  // A download is always the original: the owner's file, under its own name.
  const rendition = query.rendition && !query.download ? SHARED_RENDITIONS[query.rendition] : undefined;
  const renditionKey = rendition ? currentRenditions(file)?.[rendition.key] : undefined;
  if (rendition && renditionKey) return deps.storage.presignGet({ key: renditionKey, expiresSeconds, contentType: rendition.contentType });
  return deps.storage.presignGet({
    key: originalKey(file.userId, file.fileId),
    expiresSeconds,
    disposition: contentDisposition(query.download ? "attachment" : "inline", file.fileName),
    contentType: file.contentType,
  });
}

/** What the landing page of a link shows: the file's name, kind and size, and until when the link opens. */
export interface SharedFileView {
  fileName: string;
  contentType: string;
  size: number;
  expiresAt: string;
  /** Whether the display-size preview was made of the file as it is now (`?rendition=preview`). */
  hasPreview: boolean;
  /** Whether the AAC stream was made of the file as it is now (`?rendition=stream`). */
  hasStream: boolean;
}

export async function describeShare(deps: SharingDeps, token: string): Promise<SharedFileView> {
  const { file, expiresAt } = await liveShare(deps, token);
  return {
    fileName: file.fileName,
    contentType: file.contentType,
    size: file.size,
    expiresAt: new Date(expiresAt).toISOString(),
    hasPreview: currentRenditions(file)?.previewKey !== undefined,
    hasStream: currentRenditions(file)?.streamKey !== undefined,
  };
}

/** The caller's own file, or the 404 a missing file and another user's file both get. */
async function ownFile(deps: SharingDeps, userId: string, fileId: string): Promise<MediaRecord> {
  if (!isFileId(fileId)) throw new NotFoundError("No such file.");
  const record = await deps.repo.get(userId, fileId);
  if (!record || (record.status === "pending" && record.expiresAt !== undefined && record.expiresAt * 1000 < deps.clock.now())) {
    throw new NotFoundError("No such file.");
  }
  return record;
}
