import { createEmfMetrics } from "./adapters/emf-metrics";
import { metricsOr, type Metrics } from "./metrics";

/** Where a function records a metric: the installed sink, else CloudWatch EMF, built on first use. */
export function metrics(): Metrics {
  return metricsOr(createEmfMetrics);
}
