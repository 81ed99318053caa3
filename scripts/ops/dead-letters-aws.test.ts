import { createHash, randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { redriveAws } from "./dead-letters";

/**
 * FAKE, for these tests only: a test double at the SDK's `send` level, not an SQS emulator. No
 * SQS-compatible server can run here without the network, so this models just what redriveAws relies on
 * — receive hands out up to 10 visible messages and hides them for the visibility timeout (counting the
 * receive), batch send and delete with per-entry failures, visibility changes, two queue attributes —
 * and records every call. It proves the logic of the AWS path (what is sent, what is deleted and when,
 * what a dry run leaves), not SQS's behaviour; that needs a run against a real queue.
 */
interface FakeMessage {
  id: string;
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
  handle?: string;
}

class FakeSqs {
  readonly queues = new Map<string, FakeMessage[]>();
  readonly calls: string[] = [];
  failSendFor = new Set<string>();
  failDeleteFor = new Set<string>();
  clock = 1_700_000_000_000;

  constructor(
    readonly queueUrl: string,
    readonly dlqUrl: string,
    readonly redriveTarget = "arn:aws:sqs:eu-west-1:123456789012:dlq",
  ) {
    this.queues.set(queueUrl, []);
    this.queues.set(dlqUrl, []);
  }

  put(url: string, body: string, attributes?: Record<string, MessageAttributeValue>, receiveCount = 5) {
    this.queues.get(url)!.push({ id: randomUUID(), body, attributes, receiveCount, sentAt: this.clock, visibleAt: 0 });
  }

  readonly client = {
    send: async (command: unknown): Promise<unknown> => {
      this.calls.push((command as object).constructor.name);
      const input = (command as { input: Record<string, unknown> }).input;
      const queue = (url: unknown) => this.queues.get(url as string)!;
      if (command instanceof GetQueueAttributesCommand) {
        if (command.input.QueueUrl === this.dlqUrl) {
          return { Attributes: { QueueArn: "arn:aws:sqs:eu-west-1:123456789012:dlq", ApproximateNumberOfMessages: String(queue(this.dlqUrl).length) } };
        }
        return { Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: this.redriveTarget, maxReceiveCount: 5 }) } };
      }
      if (command instanceof ReceiveMessageCommand) {
        const visible = queue(input.QueueUrl).filter((m) => m.visibleAt <= this.clock).slice(0, command.input.MaxNumberOfMessages ?? 1);
        return {
          Messages: visible.map((m) => {
            m.receiveCount += 1;
            m.visibleAt = this.clock + (command.input.VisibilityTimeout ?? 30) * 1000;
            m.handle = randomUUID();
            return {
              MessageId: m.id,
              ReceiptHandle: m.handle,
              Body: m.body,
              MD5OfBody: createHash("md5").update(m.body).digest("hex"),
              Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
              ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
            };
          }),
        };
      }
      if (command instanceof SendMessageBatchCommand) {
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const e of command.input.Entries ?? []) {
          if (this.failSendFor.has(e.MessageBody!)) Failed.push({ Id: e.Id, Code: "InternalError", SenderFault: false });
          else {
            this.put(command.input.QueueUrl!, e.MessageBody!, e.MessageAttributes, 0);
            Successful.push({ Id: e.Id, MessageId: randomUUID() });
          }
        }
        return { Successful, Failed };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        const q = queue(input.QueueUrl);
        const Failed: unknown[] = [];
        for (const e of command.input.Entries ?? []) {
          const i = q.findIndex((m) => m.handle === e.ReceiptHandle);
          if (i < 0 || this.failDeleteFor.has(q[i]!.body)) Failed.push({ Id: e.Id, Code: "ReceiptHandleIsInvalid", SenderFault: true });
          else q.splice(i, 1);
        }
        return { Successful: [], Failed };
      }
      if (command instanceof ChangeMessageVisibilityBatchCommand) {
        for (const e of command.input.Entries ?? []) {
          const m = queue(input.QueueUrl).find((x) => x.handle === e.ReceiptHandle);
          if (m) m.visibleAt = this.clock + (e.VisibilityTimeout ?? 0) * 1000;
        }
        return { Successful: [], Failed: [] };
      }
      throw new Error(`the fake does not model ${(command as object).constructor.name}`);
    },
  };
  get sqs(): SQSClient {
    return this.client as unknown as SQSClient;
  }
}

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/index";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq";
const body = (i: number) => JSON.stringify({ Records: [{ s3: { object: { key: `users/0f8fad5b-d9cb-469f-a165-70867728950e/file+${i}` } } }] });

function withDeadLetters(n: number) {
  const fake = new FakeSqs(QUEUE, DLQ);
  for (let i = 0; i < n; i++) fake.put(DLQ, body(i), i === 0 ? { origin: { DataType: "String", StringValue: "s3" } } : undefined);
  return fake;
}

describe("redriveAws (against a fake SDK client, see FakeSqs)", () => {
  it("sends every dead letter back with its body and attributes, then deletes it; a second run finds nothing", async () => {
    const fake = withDeadLetters(23);
    const result = await redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: false, waitTimeSeconds: 0 });
    expect(result).toMatchObject({ redriven: 23, failed: 0 });
    expect(result.listed).toHaveLength(23);
    expect(result.listed[0]).toMatchObject({ receiveCount: 6, keys: ["users/0f8fad5b-d9cb-469f-a165-70867728950e/file 0"] });
    expect(fake.queues.get(DLQ)).toHaveLength(0);
    const sent = fake.queues.get(QUEUE)!;
    expect(sent.map((m) => m.body).sort()).toEqual(Array.from({ length: 23 }, (_, i) => body(i)).sort());
    expect(sent.find((m) => m.body === body(0))!.attributes).toEqual({ origin: { DataType: "String", StringValue: "s3" } });
    // Batches of 10: every delete comes after the send of its batch.
    expect(fake.calls.filter((c) => c === "SendMessageBatchCommand")).toHaveLength(3);
    expect(fake.calls.indexOf("DeleteMessageBatchCommand")).toBeGreaterThan(fake.calls.indexOf("SendMessageBatchCommand"));

    const again = await redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: false, waitTimeSeconds: 0 });
    expect(again).toMatchObject({ listed: [], redriven: 0, failed: 0 });
    expect(fake.queues.get(QUEUE)).toHaveLength(23);
  });

  it("--dry-run lists everything, sends nothing, and leaves every message visible again", async () => {
    const fake = withDeadLetters(12);
    const result = await redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: true, waitTimeSeconds: 0 });
    expect(result.listed).toHaveLength(12);
    expect(result.redriven).toBe(0);
    expect(fake.queues.get(QUEUE)).toHaveLength(0);
    expect(fake.queues.get(DLQ)!.every((m) => m.visibleAt <= fake.clock)).toBe(true);
    expect(fake.calls).not.toContain("SendMessageBatchCommand");
    expect(fake.calls).not.toContain("DeleteMessageBatchCommand");
  });

  it("keeps a message whose send failed in the DLQ, and reports a delete that failed (sent again next run)", async () => {
    const fake = withDeadLetters(5);
    fake.failSendFor.add(body(1));
    fake.failDeleteFor.add(body(2));
    const result = await redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: false, waitTimeSeconds: 0 });
    expect(result).toMatchObject({ redriven: 3, failed: 2 });
    expect(result.problems.join("\n")).toMatch(/not sent/);
    expect(result.problems.join("\n")).toMatch(/not deleted/);
    expect(fake.queues.get(DLQ)!.map((m) => m.body).sort()).toEqual([body(1), body(2)].sort());
    expect(fake.queues.get(QUEUE)!.map((m) => m.body)).not.toContain(body(1));
  });

  it("refuses when the index queue does not dead-letter into the given DLQ, unless forced", async () => {
    const fake = new FakeSqs(QUEUE, DLQ, "arn:aws:sqs:eu-west-1:123456789012:some-other-dlq");
    fake.put(DLQ, body(0));
    await expect(redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: false, waitTimeSeconds: 0 })).rejects.toThrow(/does not dead-letter into/);
    expect(fake.queues.get(QUEUE)).toHaveLength(0);
    const forced = await redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: false, waitTimeSeconds: 0, force: true });
    expect(forced.redriven).toBe(1);
  });

  it("stops after --max messages", async () => {
    const fake = withDeadLetters(15);
    const result = await redriveAws({ sqs: fake.sqs, queueUrl: QUEUE, dlqUrl: DLQ, dryRun: false, waitTimeSeconds: 0, maxMessages: 4 });
    expect(result.redriven).toBe(4);
    expect(fake.queues.get(DLQ)).toHaveLength(11);
  });
});
