import { isFileId } from "./ids";

/**
 * Object keys. Originals live under `users/` (the prefix that notifies the index queue); anything we
 * derive lives under `derived/`, outside it, so writing a thumbnail can never trigger the indexer again.
 */
export const ORIGINALS_PREFIX = "users/";
export const DERIVED_PREFIX = "derived/";

// Cognito subs are UUIDs; the local runtime mints the same shape. Anything else in a key is refused.
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}

export function originalKey(userId: string, fileId: string): string {
  assertParts(userId, fileId);
  return `${ORIGINALS_PREFIX}${userId}/${fileId}`;
}

export function derivedPrefix(userId: string, fileId: string): string {
  assertParts(userId, fileId);
  return `${DERIVED_PREFIX}${userId}/${fileId}/`;
}

export function thumbnailKey(userId: string, fileId: string): string {
  return `${derivedPrefix(userId, fileId)}thumbnail.webp`;
}

/**
 * A person's latest export manifest when it is too large to answer inline (account-export.ts): beside
 * their derived files, so it never notifies the indexer and the account purge removes it with them.
 * One key per person, overwritten by each export. Never a file's prefix: file ids have no dot.
 */
export function exportManifestKey(userId: string): string {
  if (!isUserId(userId)) throw new Error(`not a user id: ${userId}`);
  return `${DERIVED_PREFIX}${userId}/export.json`;
}

/** A rendition of the file (stream.m4a, preview.webp, waveform.json), beside its thumbnail. */
export function renditionKey(userId: string, fileId: string, fileName: string): string {
  return `${derivedPrefix(userId, fileId)}${fileName}`;
}

/** The owner and file of an original's key, or undefined for any key we did not hand out. */
export function parseOriginalKey(key: string): { userId: string; fileId: string } | undefined {
  const parts = key.split("/");
  if (parts.length !== 3 || `${parts[0]}/` !== ORIGINALS_PREFIX) return undefined;
  const [, userId, fileId] = parts as [string, string, string];
  if (!isUserId(userId) || !isFileId(fileId)) return undefined;
  return { userId, fileId };
}

/**
 * S3 event records carry keys form-URL-encoded: spaces as `+`, everything else percent-encoded.
 * decodeURIComponent alone would leave `+` in place and look up the wrong object.
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, " "));
}

/** The inverse, as S3 writes it into event records (used by the local storage emulator). */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
}

function assertParts(userId: string, fileId: string): void {
  if (!isUserId(userId)) throw new Error(`not a user id: ${userId}`);
  if (!isFileId(fileId)) throw new Error(`not a file id: ${fileId}`);
}
