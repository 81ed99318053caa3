import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { METRICS, type BytesMetric, type CountMetric, type Metrics } from "@media/functions/metrics";

/**
 * The local runtime's metrics sink: the same metrics the functions write as EMF on AWS, kept in a
 * prom-client registry and read as Prometheus text at `GET /_local/metrics`. Counts and bytes are
 * counters; the index latency is a histogram, so quantiles can be estimated and summed across scrapes.
 * One registry per runtime (not prom-client's global one), so two runtimes in one process stay apart.
 */
export interface PrometheusMetrics extends Metrics {
  readonly contentType: string;
  /** The text exposition format, version 0.0.4. */
  render(): Promise<string>;
}

/** Seconds: an upload indexed in well under a second locally, up to the queue's retries with backoff. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** `UploadsPresigned` → `media_uploads_presigned`: Prometheus names are snake case with a namespace. */
export function prometheusName(metric: string): string {
  return `media_${metric.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()}`;
}

export function createPrometheusMetrics(options: { processMetrics?: boolean } = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  // BytesStored → media_bytes_stored_total: its unit is already in its name.
  const counter = (name: CountMetric | BytesMetric) => new Counter({ name: `${prometheusName(name)}_total`, help: METRICS[name], registers: [registry] });
  const counters: Record<CountMetric | BytesMetric, Counter> = {
    UploadsPresigned: counter("UploadsPresigned"),
    FilesIndexed: counter("FilesIndexed"),
    FilesRejected: counter("FilesRejected"),
    BytesStored: counter("BytesStored"),
  };
  const latency = new Histogram({
    name: `${prometheusName("IndexLatency")}_seconds`,
    help: METRICS.IndexLatency,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return {
    count: (name, n = 1) => counters[name].inc(n),
    bytes: (name, n) => counters[name].inc(n),
    seconds: (_name, s) => latency.observe(s),
    // Scraped, not pushed: nothing to send at the end of an invocation.
    flush: () => undefined,
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
