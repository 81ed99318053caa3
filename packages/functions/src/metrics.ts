import { METRIC_DEFINITIONS, METRIC_NAMES, type BytesMetric, type CountMetric, type MetricName, type SecondsMetric } from "@media/core/metric-names";

export type { BytesMetric, CountMetric, MetricName, SecondsMetric };

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

/** Every metric with a line for whoever reads them (dashboards, /_local/metrics help texts). */
export const METRICS = Object.fromEntries(METRIC_NAMES.map((name) => [name, METRIC_DEFINITIONS[name].help])) as Record<MetricName, string>;

let installed: Metrics | undefined;

/**
 * The runtime's metrics sink, or the one `fallback` builds when no runtime installed one (on AWS,
 * EMF: metrics-sink.ts, which only the functions that record a metric import).
 */
export function metricsOr(fallback: () => Metrics): Metrics {
  installed ??= fallback();
  return installed;
}

/**
 * The end of an invocation. A function that recorded nothing built no sink and has nothing to flush:
 * most API routes record no metric, and their bundles leave the EMF writer (Powertools Metrics) out.
 */
export function flushMetrics(): void {
  installed?.flush();
}

/** For a composition root other than Lambda's (the local runtime), before any handler runs. */
export function useMetrics(sink: Metrics): void {
  installed = sink;
}
