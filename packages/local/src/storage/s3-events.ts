import { encodeEventKey } from "@media/core/keys";

/**
 * S3 event notification records, in S3's own shape (event message structure, eventVersion 2.1), for the
 * bucket notification configurations the stack declares: an event type filter (`s3:ObjectCreated:*`…)
 * and a key prefix/suffix filter. Keys are form-URL-encoded as S3 writes them (spaces as `+`).
 */
export type S3EventName = "ObjectCreated:Put" | "ObjectCreated:Post" | "ObjectCreated:CompleteMultipartUpload" | "ObjectRemoved:Delete";

export type NotificationEventType = "s3:ObjectCreated:*" | "s3:ObjectRemoved:*" | `s3:${S3EventName}`;

export interface NotificationConfig {
  /** S3's configurationId in the records; defaults to a fixed local id. */
  id?: string;
  prefix?: string;
  suffix?: string;
  events: NotificationEventType[];
}

export interface S3EventRecord {
  eventVersion: "2.1";
  eventSource: "aws:s3";
  awsRegion: string;
  eventTime: string;
  eventName: S3EventName;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { "x-amz-request-id": string; "x-amz-id-2": string };
  s3: {
    s3SchemaVersion: "1.0";
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
}

export const LOCAL_OWNER_ID = "LOCALS3OWNER";
const DEFAULT_CONFIGURATION_ID = "local-notification";

/** The configuration that asks for this event on this key, if any (S3 forbids overlapping ones). */
export function matchingNotification(
  configs: readonly NotificationConfig[],
  eventName: S3EventName,
  key: string,
): NotificationConfig | undefined {
  const [category] = eventName.split(":");
  return configs.find(
    (config) =>
      config.events.some((type) => type === `s3:${eventName}` || type === `s3:${category}:*`) &&
      key.startsWith(config.prefix ?? "") &&
      key.endsWith(config.suffix ?? ""),
  );
}

export interface EventFacts {
  region: string;
  bucket: string;
  eventName: S3EventName;
  key: string;
  /** Created objects only: removals carry neither size nor eTag, as in S3. */
  size?: number;
  /** Quoted or bare MD5 hex; written bare, as S3 writes it. */
  etag?: string;
  sequencer: string;
  principalId: string;
  sourceIp: string;
  requestId: string;
  hostId: string;
  configurationId?: string | undefined;
  time: Date;
}

export function buildEventRecord(facts: EventFacts): S3EventRecord {
  const object: S3EventRecord["s3"]["object"] = { key: encodeEventKey(facts.key), sequencer: facts.sequencer };
  if (facts.size !== undefined) object.size = facts.size;
  if (facts.etag !== undefined) object.eTag = facts.etag.replace(/"/g, "");
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: facts.region,
    eventTime: facts.time.toISOString(),
    eventName: facts.eventName,
    userIdentity: { principalId: facts.principalId },
    requestParameters: { sourceIPAddress: facts.sourceIp },
    responseElements: { "x-amz-request-id": facts.requestId, "x-amz-id-2": facts.hostId },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: facts.configurationId ?? DEFAULT_CONFIGURATION_ID,
      bucket: { name: facts.bucket, ownerIdentity: { principalId: LOCAL_OWNER_ID }, arn: `arn:aws:s3:::${facts.bucket}` },
      object,
    },
  };
}
