/**
 * The service's business metrics, written once: the functions emit them (packages/functions/src/metrics.ts,
 * CloudWatch EMF on AWS, Prometheus locally), the Monitoring stack graphs them, and every function is told
 * the namespace and service they are filed under (stacks/lambda.ts).
 */
export const METRICS_NAMESPACE = "MediaStorage";
/** What the functions' logs and metrics are filed under (Powertools' `service`). */
export const SERVICE_NAME = "media-storage";

export const METRIC_DEFINITIONS = {
  UploadsPresigned: { unit: "Count", help: "Upload policies handed out by POST /upload" },
  FilesIndexed: { unit: "Count", help: "Uploads described and marked ready by the indexer" },
  FilesRejected: { unit: "Count", help: "Uploads the indexer refused (type, size or content not as declared)" },
  BytesStored: { unit: "Bytes", help: "Bytes of the uploads marked ready" },
  /** Seconds from the S3 event's time to the record being ready: how far indexing lags behind uploads. */
  IndexLatency: { unit: "Seconds", help: "Seconds from the storage event to the record being ready" },
  RenditionsMade: { unit: "Count", help: "Files whose renditions (stream, waveform, preview) were made and recorded" },
  /** Refused by the file's content (recorded at once), or an error on our side after the last retry. */
  RenditionsFailed: { unit: "Count", help: "Files whose renditions failed, with the reason recorded on the file" },
  /** Not counted against quotas: this is what they cost in storage. */
  RenditionBytes: { unit: "Bytes", help: "Bytes of renditions stored under derived/" },
  RenditionSeconds: { unit: "Seconds", help: "Seconds spent making one file's renditions (download, encode, store)" },
} as const;

export type MetricName = keyof typeof METRIC_DEFINITIONS;
export type MetricUnit = (typeof METRIC_DEFINITIONS)[MetricName]["unit"];
type WithUnit<U extends MetricUnit> = { [K in MetricName]: (typeof METRIC_DEFINITIONS)[K]["unit"] extends U ? K : never }[MetricName];
export type CountMetric = WithUnit<"Count">;
export type BytesMetric = WithUnit<"Bytes">;
export type SecondsMetric = WithUnit<"Seconds">;

export const METRIC_NAMES = Object.keys(METRIC_DEFINITIONS) as MetricName[];
