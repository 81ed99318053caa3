import { describe, expect, it } from "vitest";
import { buildEventRecord, matchingNotification, type NotificationConfig } from "./s3-events";

const configs: NotificationConfig[] = [{ id: "originals", prefix: "users/", events: ["s3:ObjectCreated:*"] }];

describe("S3 event records", () => {
  it("match by event type and key prefix", () => {
    expect(matchingNotification(configs, "ObjectCreated:Post", "users/a/b")?.id).toBe("originals");
    expect(matchingNotification(configs, "ObjectCreated:Put", "derived/a/b")).toBeUndefined();
    expect(matchingNotification(configs, "ObjectRemoved:Delete", "users/a/b")).toBeUndefined();
    expect(matchingNotification([{ prefix: "users/", events: ["s3:ObjectRemoved:Delete"] }], "ObjectRemoved:Delete", "users/a")).toBeDefined();
    expect(matchingNotification([{ suffix: ".png", events: ["s3:ObjectCreated:Put"] }], "ObjectCreated:Post", "a.png")).toBeUndefined();
  });

  it("have S3's shape, the key form-encoded and the ETag bare", () => {
    const record = buildEventRecord({
      region: "us-east-1",
      bucket: "media",
      eventName: "ObjectCreated:Put",
      key: "users/a/my file é.png",
      size: 12,
      etag: '"0123456789abcdef0123456789abcdef"',
      sequencer: "0055AED6DCD90281E5",
      principalId: "AWS:AKIA",
      sourceIp: "127.0.0.1",
      requestId: "C3D13FE58DE4C810",
      hostId: "id2",
      configurationId: "originals",
      time: new Date("2026-01-01T00:00:00Z"),
    });
    expect(record).toEqual({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: "2026-01-01T00:00:00.000Z",
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "AWS:AKIA" },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "id2" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "originals",
        bucket: { name: "media", ownerIdentity: { principalId: "LOCALS3OWNER" }, arn: "arn:aws:s3:::media" },
        object: { key: "users/a/my+file+%C3%A9.png", size: 12, eTag: "0123456789abcdef0123456789abcdef", sequencer: "0055AED6DCD90281E5" },
      },
    });
  });
});
