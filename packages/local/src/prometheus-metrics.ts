import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { METRIC_DEFINITIONS, METRIC_NAMES } from "@media/core/metric-names";
import { METRICS, type MetricName, type Metrics, type SecondsMetric } from "@media/functions/metrics";

/**
 * The local runtime's metrics sink: the same metrics the functions write as EMF on AWS, kept in a
 * prom-client registry and read as Prometheus text at `GET /_local/metrics`. Counts and bytes are
 * counters; durations (index latency, rendition time) are histograms, so quantiles can be estimated and
 * summed across scrapes.
 * One registry per runtime (not prom-client's global one), so two runtimes in one process stay apart.
 */
export interface PrometheusMetrics extends Metrics {
  readonly contentType: string;
  /** The text exposition format, version 0.0.4. */
  render(): Promise<string>;
}

/** Histogram buckets, in seconds, of each duration: one per Seconds metric (a new one must say its own). */
const SECONDS_BUCKETS: Record<SecondsMetric, number[]> = {
  // An upload indexed in well under a second locally, up to the queue's retries with backoff.
  IndexLatency: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  // A small image's preview in a fraction of a second, hours of audio in minutes, up to the function's timeout.
  RenditionSeconds: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
};

/** `UploadsPresigned` → `media_uploads_presigned`: Prometheus names are snake case with a namespace. */
export function prometheusName(metric: string): string {
  return `media_${metric.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()}`;
}

export function createPrometheusMetrics(options: { processMetrics?: boolean } = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  // BytesStored → media_bytes_stored_total: its unit is already in its name.
  const counters = new Map<MetricName, Counter>();
  const histograms = new Map<MetricName, Histogram>();
  for (const name of METRIC_NAMES) {
    const help = METRICS[name];
    if (METRIC_DEFINITIONS[name].unit === "Seconds") {
      const buckets = SECONDS_BUCKETS[name as SecondsMetric];
      // IndexLatency → media_index_latency_seconds; RenditionSeconds already says its unit.
      const base = prometheusName(name);
      histograms.set(name, new Histogram({ name: base.endsWith("_seconds") ? base : `${base}_seconds`, help, buckets, registers: [registry] }));
    } else {
      counters.set(name, new Counter({ name: `${prometheusName(name)}_total`, help, registers: [registry] }));
    }
  }
  return {
    count: (name, n = 1) => counters.get(name)!.inc(n),
    bytes: (name, n) => counters.get(name)!.inc(n),
    seconds: (name, s) => histograms.get(name)!.observe(s),
    // Scraped, not pushed: nothing to send at the end of an invocation.
    flush: () => undefined,
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
