import { createEmfMetrics } from "./adapters/emf-metrics";

/**
 * The service's business metrics, as a small port: the handlers say what happened, a runtime's
 * composition root says where it goes (CloudWatch EMF on AWS, a Prometheus registry locally).
 */
export interface Metrics {
  /** Events that happened `n` times (default once). */
  count(name: CountMetric, n?: number): void;
  bytes(name: BytesMetric, n: number): void;
  seconds(name: SecondsMetric, s: number): void;
  /** Called once at the end of every invocation; sinks that keep no per-invocation state do nothing. */
  flush(): void;
}

export type CountMetric = "UploadsPresigned" | "FilesIndexed" | "FilesRejected";
export type BytesMetric = "BytesStored";
/** Seconds from the S3 event's time to the record being ready: how far indexing lags behind uploads. */
export type SecondsMetric = "IndexLatency";
export type MetricName = CountMetric | BytesMetric | SecondsMetric;

/** Every metric with a line for whoever reads them (dashboards, /_local/metrics help texts). */
export const METRICS: Record<MetricName, string> = {
  UploadsPresigned: "Upload policies handed out by POST /upload",
  FilesIndexed: "Uploads described and marked ready by the indexer",
  FilesRejected: "Uploads the indexer refused (type, size or content not as declared)",
  BytesStored: "Bytes of the uploads marked ready",
  IndexLatency: "Seconds from the storage event to the record being ready",
};

let installed: Metrics | undefined;

/** The runtime's metrics sink. On AWS nothing installs one, so it is EMF, built on first use. */
export function metrics(): Metrics {
  installed ??= createEmfMetrics();
  return installed;
}

/** For a composition root other than Lambda's (the local runtime), before any handler runs. */
export function useMetrics(sink: Metrics): void {
  installed = sink;
}
