import { ValidationError } from "@media/core/errors";
import { header, type HttpEvent } from "./http";

/**
 * The origin (`https://host[:port]`) a client reached this API at, for links that must be absolute
 * (share links). The host is API Gateway's `requestContext.domainName`: the execute-api host or the
 * custom domain, set by API Gateway itself, not by the client. The local gateway sets it from the Host
 * header, as it has no other name. The scheme is API Gateway's `X-Forwarded-Proto` (always https on
 * AWS; the local gateway sends http), https when absent; nothing but http or https is ever used.
 * HTTP APIs on the `$default` stage have no path prefix, so the origin is the whole base.
 */
export function publicOrigin(event: HttpEvent): string {
  const host = event.requestContext.domainName || header(event, "host");
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
    // Only reachable locally, where the Host header is the client's to send.
    throw new ValidationError("The request has no usable Host header.", { code: "InvalidHost" });
  }
  const forwarded = header(event, "x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return `${forwarded === "http" ? "http" : "https"}://${host}`;
}
