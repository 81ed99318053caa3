/** The local S3's public surface: the server, and the shapes its configuration and events use. */
export { startLocalS3, type LocalS3, type LocalS3Options } from "./s3-server";
export type { CorsRule } from "./cors";
export type { NotificationConfig, NotificationEventType, S3EventName, S3EventRecord } from "./s3-events";
export type { S3Credentials } from "./sigv4";
export type { ObjectStore, StoredObject } from "./object-store";
