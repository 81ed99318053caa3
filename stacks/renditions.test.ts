import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RENDITION_SETTINGS } from "@media/core/renditions/rendition-settings";
import { CUSTOM_METRICS, RENDITION_SECONDS_METRIC } from "./Monitoring";
import { synthesize, type Synthesized } from "./synth";

/**
 * The Renditions stack, synthesized without bundling (fast; the template is otherwise the same): the
 * topic's media.ready events into a queue of its own, its dead-letter queue, the function's event source.
 */
type Json = Record<string, any>;
let app: Synthesized;
let t: { renditions: Template; storage: Template };
beforeAll(async () => {
  app = await synthesize({ stage: "test", bundle: false });
  t = { renditions: Template.fromStack(app.stacks.Renditions), storage: Template.fromStack(app.stacks.Storage) };
});
afterAll(async () => {
  await app?.cleanup();
});

const only = (template: Template, type: string): [string, Json] => {
  const found = Object.entries(template.findResources(type));
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

describe("Renditions stack", () => {
  it("subscribes its queue to media.ready events only, delivered raw", () => {
    const [, subscription] = only(t.renditions, "AWS::SNS::Subscription");
    expect(subscription.Properties).toMatchObject({ Protocol: "sqs", RawMessageDelivery: true, FilterPolicy: { type: ["media.ready"] } });
    // The queue lets the topic (and only it) send to it.
    const policy = Object.entries(t.renditions.findResources("AWS::SQS::QueuePolicy")).find(([id]) => id.startsWith("RenditionRequests"))![1];
    const allow = (policy.Properties.PolicyDocument.Statement as Json[]).find((s) => s.Effect === "Allow")!;
    expect(allow).toMatchObject({ Action: "sqs:SendMessage", Principal: { Service: "sns.amazonaws.com" } });
    expect(allow.Condition.ArnEquals["aws:SourceArn"]).toBeDefined();
  });

  it("retries a failed rendition three times, then keeps it 14 days in its own dead-letter queue", () => {
    const queues = Object.entries(t.renditions.findResources("AWS::SQS::Queue"));
    const requests = queues.find(([id]) => id.startsWith("RenditionRequests"))![1];
    const [dlqId, dlq] = queues.find(([id]) => id.startsWith("RenditionDeadLetters"))!;
    expect(requests.Properties).toMatchObject({ VisibilityTimeout: RENDITION_SETTINGS.queueVisibilitySeconds, SqsManagedSseEnabled: true });
    expect(requests.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: RENDITION_SETTINGS.maxReceiveCount });
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it("consumes one file per invocation, a bounded number at once, reporting failures per message", () => {
    const [, mapping] = only(t.renditions, "AWS::Lambda::EventSourceMapping");
    expect(mapping.Properties).toMatchObject({ BatchSize: 1, ScalingConfig: { MaximumConcurrency: RENDITION_SETTINGS.maxConcurrency }, FunctionResponseTypes: ["ReportBatchItemFailures"] });
  });

  it("gives the function more time, memory and disk than the indexer's", () => {
    const fns = Object.values(t.renditions.findResources("AWS::Lambda::Function")).filter((f) => String(f.Properties.Description).startsWith("media-storage renditions"));
    expect(fns).toHaveLength(1);
    expect(fns[0]!.Properties).toMatchObject({ Timeout: 900, MemorySize: 2048, EphemeralStorage: { Size: 4096 }, Architectures: ["arm64"], Runtime: "nodejs22.x" });
  });
});

describe("the renditions' monitoring", () => {
  it("graphs every rendition metric by the names the function emits, and the DLQ alarm says how to redrive", () => {
    const monitoring = Template.fromStack(app.stacks.Monitoring);
    const dashboard = Object.values(monitoring.findResources("AWS::CloudWatch::Dashboard"))[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of ["RenditionsMade", "RenditionsFailed", "RenditionBytes"] as const) {
      expect(body, name).toContain(`MetricName=\\\\\\"${name}\\\\\\"`);
      expect(CUSTOM_METRICS[name]).toBe("Sum");
    }
    expect(body).toContain(`MetricName=\\\\\\"${RENDITION_SECONDS_METRIC}\\\\\\"`);
    const alarm = Object.values(monitoring.findResources("AWS::CloudWatch::Alarm")).find((a) => JSON.stringify(a.Properties.AlarmName).includes("rendition-dlq-not-empty"))!;
    expect(alarm.Properties.AlarmDescription).toContain("npm run redrive -- --renditions");
  });
});
