/**
 * The limits API Gateway (HTTP API) puts on a request, and what the local gateway answers when one is
 * crossed. From "Quotas for configuring and running an HTTP API": payload 10 MB, request line and
 * headers 10,240 bytes, integration timeout 30 s (then 503 `{"message":"Service Unavailable"}`, while
 * the function may run on). API Gateway publishes no figure for slow clients; these are generous for a
 * 10 MB body and short enough that stalled connections do not pile up. Tests shorten them.
 */
export interface GatewayLimits {
  maxPayloadBytes: number;
  maxHeaderBytes: number;
  /** From the request to the route's answer; past it the client gets 503 and the answer is dropped. */
  integrationTimeoutMs: number;
  /** From the connection (or the end of the previous request) to the last header. */
  headersTimeoutMs: number;
  /** From the connection to the last byte of the body. */
  requestTimeoutMs: number;
  /** An open connection with no request in flight is closed after this long. */
  idleTimeoutMs: number;
}

export const API_GATEWAY_LIMITS: GatewayLimits = {
  maxPayloadBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 10_240,
  integrationTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
};
