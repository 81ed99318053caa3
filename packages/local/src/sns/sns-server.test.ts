import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnsEventPublisher } from "@media/functions/adapters/sns-event-publisher";
import type { MediaEvent } from "@media/core/media-event";
import { startLocalSns } from "./sns-server";
import { LocalTopic, type SnsNotification } from "./topic";
import { parseWebhookList, webhookSubscriber } from "./webhooks";

const arn = "arn:aws:sns:us-east-1:000000000000:media-events";
const topic = new LocalTopic(arn);
let sns: Awaited<ReturnType<typeof startLocalSns>>;
let client: SNSClient;

beforeAll(async () => {
  sns = await startLocalSns({ topics: [topic] });
  client = new SNSClient({ region: "us-east-1", endpoint: sns.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local-secret" } });
});
afterAll(async () => {
  client.destroy();
  await sns.close();
});

const event: MediaEvent = {
  type: "media.ready",
  fileId: "01J00000000000000000000000",
  userId: "3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b",
  key: "users/3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b/01J00000000000000000000000",
  contentType: "image/png",
  size: 10,
  metadata: { width: 1 },
  at: new Date().toISOString(),
};

describe("local SNS", () => {
  it("receives what the real SNS adapter publishes, with the type attribute, and fans it out", async () => {
    const received = new Promise<SnsNotification>((resolve) => topic.subscribe(resolve));
    await createSnsEventPublisher({ client, topicArn: arn }).publish(event);
    const n = await received;
    expect(JSON.parse(n.Message)).toEqual(event);
    expect(n.MessageAttributes).toEqual({ type: { Type: "String", Value: "media.ready" } });
    expect(n).toMatchObject({ Type: "Notification", TopicArn: arn, SignatureVersion: "1" });
  });

  it("refuses an unknown topic the way SNS does", async () => {
    await expect(createSnsEventPublisher({ client, topicArn: `${arn}-nope` }).publish(event)).rejects.toMatchObject({ name: "NotFoundException" });
  });

  it("delivers to webhooks with SNS's envelope and headers, retrying a failing endpoint", async () => {
    let calls = 0;
    let got!: Promise<{ headers: Record<string, unknown>; body: string }>;
    // The endpoint listens before it is subscribed, and is subscribed before anything is published.
    await new Promise<void>((listening) => {
      got = new Promise((resolve) => {
        const server = createServer((req, res) => {
          calls++;
          let body = "";
          req.on("data", (c) => (body += c));
          req.on("end", () => {
            if (calls === 1) {
              res.writeHead(503).end();
              return;
            }
            res.writeHead(200).end();
            server.close();
            resolve({ headers: req.headers, body });
          });
        }).listen(0, "127.0.0.1", () => {
          const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
          topic.subscribe(webhookSubscriber(url, { baseDelayMs: 5 }));
          listening();
        });
      });
    });
    await createSnsEventPublisher({ client, topicArn: arn }).publish(event);
    const { headers, body } = await got;
    expect(calls).toBe(2);
    expect(headers["x-amz-sns-message-type"]).toBe("Notification");
    expect(JSON.parse(JSON.parse(body).Message)).toEqual(event);
  });

  it("parses the webhook list and refuses other schemes", () => {
    expect(parseWebhookList(" http://127.0.0.1:9/a , https://h.example/b")).toEqual(["http://127.0.0.1:9/a", "https://h.example/b"]);
    expect(parseWebhookList(undefined)).toEqual([]);
    expect(() => parseWebhookList("file:///etc/passwd")).toThrow(/SNS_WEBHOOKS/);
  });
});
