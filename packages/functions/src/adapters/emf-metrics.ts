import { Metrics as PowertoolsMetrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, SERVICE_NAME } from "@media/core/metric-names";
import type { Metrics } from "../metrics";

/** The namespace when the stack sets none (POWERTOOLS_METRICS_NAMESPACE). */
export const DEFAULT_NAMESPACE = METRICS_NAMESPACE;

export interface EmfMetricsOptions {
  namespace?: string;
  serviceName?: string;
  /** The deployed stage, a dimension of every metric so stages never mix on one graph. */
  stage?: string;
}

/**
 * CloudWatch embedded metric format through Powertools Metrics: one JSON document per invocation,
 * printed to stdout, which CloudWatch Logs turns into metrics. No PutMetricData call, no permission,
 * nothing on the request's path. Dimensions: `service` (Powertools adds it) and `stage`.
 */
export function createEmfMetrics(options: EmfMetricsOptions = {}): Metrics {
  const stage = options.stage ?? process.env.STAGE;
  const emf = new PowertoolsMetrics({
    namespace: options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_NAMESPACE,
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    ...(stage ? { defaultDimensions: { stage } } : {}),
  });
  return {
    count: (name, n = 1) => void emf.addMetric(name, MetricUnit.Count, n),
    bytes: (name, n) => void emf.addMetric(name, MetricUnit.Bytes, n),
    seconds: (name, s) => void emf.addMetric(name, MetricUnit.Seconds, s),
    flush: () => {
      // Powertools warns on every empty flush; most invocations (a GET) record nothing.
      if (emf.hasStoredMetrics()) emf.publishStoredMetrics();
    },
  };
}
