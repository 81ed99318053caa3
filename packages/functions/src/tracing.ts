import { Tracer } from "@aws-lambda-powertools/tracer";

/**
 * X-Ray subsegments for every AWS SDK call, when the stage turns tracing on. The stacks set
 * POWERTOOLS_TRACE_ENABLED with the function's tracing mode (see stacks/lambda.ts); Powertools also
 * stays off outside Lambda (no AWS_EXECUTION_ENV), so the local runtime and the tests never trace.
 * Responses are not captured (POWERTOOLS_TRACER_CAPTURE_RESPONSE=false by the stacks): they can hold
 * tokens and presigned URLs, and trace data is not redacted.
 */
const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "media-storage" });

/** The client itself, instrumented when tracing is on; as it was otherwise. */
export function traced<C extends object>(client: C): C {
  return tracer.captureAWSv3Client(client);
}
