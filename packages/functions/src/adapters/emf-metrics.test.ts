import { describe, expect, it } from "vitest";
import { captureStdio } from "@media/testing/captured-stdio";
import { createEmfMetrics } from "./emf-metrics";

/** The EMF documents Powertools prints, taken from stdout as CloudWatch Logs would receive them. */
const output = captureStdio();

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}
const documents = () => output.jsonLines<Emf>();

describe("EMF metrics", () => {
  it("prints one embedded-metric-format document per flush, with namespace, dimensions, units and values", () => {
    const metrics = createEmfMetrics({ namespace: "MediaStorage", serviceName: "media-storage", stage: "dev" });
    const before = Date.now();
    metrics.count("UploadsPresigned");
    metrics.count("FilesIndexed", 2);
    metrics.count("FilesRejected");
    metrics.bytes("BytesStored", 1234);
    metrics.bytes("BytesStored", 766);
    metrics.seconds("IndexLatency", 1.5);
    metrics.seconds("IndexLatency", 0.25);
    expect(output.text()).toBe(""); // nothing until the invocation ends
    metrics.flush();

    const [doc, ...rest] = documents();
    expect(rest).toEqual([]);
    expect(doc!._aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(doc!._aws.Timestamp).toBeLessThanOrEqual(Date.now());
    expect(doc!._aws.CloudWatchMetrics).toHaveLength(1);
    const directive = doc!._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe("MediaStorage");
    expect(directive.Dimensions).toEqual([["service", "stage"]]);
    expect(Object.fromEntries(directive.Metrics.map((m) => [m.Name, m.Unit]))).toEqual({
      UploadsPresigned: "Count",
      FilesIndexed: "Count",
      FilesRejected: "Count",
      BytesStored: "Bytes",
      IndexLatency: "Seconds",
    });
    // Dimension values and metric values are top-level members of the document; a metric recorded more
    // than once in an invocation is a list of its values, which CloudWatch aggregates.
    expect(doc).toMatchObject({ service: "media-storage", stage: "dev", UploadsPresigned: 1, FilesIndexed: 2, FilesRejected: 1 });
    expect(doc!.BytesStored).toEqual([1234, 766]);
    expect(doc!.IndexLatency).toEqual([1.5, 0.25]);
  });

  it("starts each invocation afresh and prints nothing, not even a warning, when nothing was recorded", () => {
    const metrics = createEmfMetrics({ stage: "prod" });
    metrics.flush();
    expect(output.text()).toBe("");
    metrics.count("UploadsPresigned");
    metrics.flush();
    metrics.count("UploadsPresigned");
    metrics.flush();
    const docs = documents();
    expect(docs.map((d) => d.UploadsPresigned)).toEqual([1, 1]);
    expect(docs[0]!._aws.CloudWatchMetrics[0]!.Namespace).toBe("MediaStorage");
    expect(docs[0]).toMatchObject({ stage: "prod" });
  });
});
