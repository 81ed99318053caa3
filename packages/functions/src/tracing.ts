/**
 * X-Ray subsegments for every AWS SDK call, when the stage turns tracing on. The stacks set
 * POWERTOOLS_TRACE_ENABLED with the function's tracing mode (see stacks/lambda.ts); Powertools also
 * stays off outside Lambda (no AWS_EXECUTION_ENV).
 *
 * The Tracer is loaded only when enabled: it brings the X-Ray SDK (about 120 KB minified, with
 * cls-hooked's async hooks) whose start-up costs every cold start some 90 ms on this machine, for
 * nothing where tracing is off (every stage but prod, the local runtime, the tests).
 *
 * Responses are not captured (POWERTOOLS_TRACER_CAPTURE_RESPONSE=false by the stacks): they can hold
 * tokens and presigned URLs, and trace data is not redacted.
 */
type Capture = <C extends object>(client: C) => C;

async function loadCapture(): Promise<Capture> {
  const { Tracer } = await import("@aws-lambda-powertools/tracer");
  const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "media-storage" });
  return (client) => tracer.captureAWSv3Client(client);
}

const capture: Capture | undefined = process.env.POWERTOOLS_TRACE_ENABLED === "true" ? await loadCapture() : undefined;

/** The client itself, instrumented when tracing is on; as it was otherwise. */
export function traced<C extends object>(client: C): C {
  return capture ? capture(client) : client;
}
