/**
 * The one table definition, read by the Storage stack and by the local runtime's table creation, so
 * that the shape tested against dynalite is the shape deployed.
 *
 * Items:
 * - a file:  pk `USER#{sub}`, sk `FILE#{fileId}`; gsi1pk `USER#{sub}#{kind}`, gsi1sk `FILE#{fileId}`
 * - usage:   pk `USER#{sub}`, sk `USAGE`
 * - a share link, twice (no transactions, no extra index):
 *     the owner's item:  pk `USER#{sub}`, sk `SHARE#{fileId}#{shareId}` (a file's links by one Query);
 *     the public lookup: pk `SHARE#{sha256(token)}`, sk `SHARE` (what `GET /s/{token}` reads);
 *   both expire by TTL. The token itself is never stored.
 * - when a user's sessions last ended (logout, password reset): pk `SESSIONS#{sub}`, sk `SESSIONS`, read
 *   by the authorizer on every request (sessions.ts)
 * - a rate limit's counter for one window: pk `LIMIT#{name}#{hashed subject}`, sk `WINDOW#{start}`,
 *   expiring by TTL when the window ends (code-limits.ts)
 * fileIds are ULIDs, so descending sort keys list newest first.
 */
export const TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  byKindIndex: { name: "byKind", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  /** Epoch seconds; set on pending records so an upload that never arrives disappears. */
  timeToLiveAttribute: "expiresAt",
} as const;

export const keysFor = {
  userPartition: (userId: string) => `USER#${userId}`,
  file: (fileId: string) => `FILE#${fileId}`,
  kindPartition: (userId: string, kind: string) => `USER#${userId}#${kind}`,
  usage: "USAGE",
  share: (fileId: string, shareId: string) => `SHARE#${fileId}#${shareId}`,
  /** Every share sort key of one file starts with this (fileIds are fixed-length ULIDs). */
  fileShares: (fileId: string) => `SHARE#${fileId}#`,
  shareLookupPartition: (tokenHash: string) => `SHARE#${tokenHash}`,
  shareLookup: "SHARE",
  sessionsPartition: (userId: string) => `SESSIONS#${userId}`,
  sessions: "SESSIONS",
  rateLimitPartition: (name: string, subject: string) => `LIMIT#${name}#${subject}`,
  rateLimitWindow: (startSeconds: number) => `WINDOW#${startSeconds}`,
} as const;
