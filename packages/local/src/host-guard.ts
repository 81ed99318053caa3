import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";

/**
 * Every local endpoint answers only for the host names it serves.
 *
 * Why: a web page the user opens elsewhere can make its own name resolve to 127.0.0.1 (DNS rebinding)
 * and then read our answers as same-origin, since CORS sees only its own origin: the email outbox, the
 * unsigned DynamoDB, the user pool. The browser cannot lie about the name it connected to, so the Host
 * header tells such a page apart from the user's own tabs and SDK clients, which name an address of
 * ours. Refused with 421 Misdirected Request ("not an authoritative server for that host"), and the
 * header is never echoed back.
 */
export interface ServedHosts {
  /** Host names answered with the port the server listens on: `127.0.0.1`, `localhost`, `[::1]`, HOST, WEB_ORIGIN's. */
  names: readonly string[];
  /** Host header values accepted exactly as written: WEB_ORIGIN's own, for a proxy that passes it on. */
  authorities: readonly string[];
}

const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** IPv6 literals are written in brackets in a Host header; names are case-insensitive. */
function hostName(name: string): string {
  const lower = name.toLowerCase();
  return isIPv6(lower) ? `[${lower}]` : lower;
}

/**
 * What a runtime listening on `host` serves. Listening on every interface (0.0.0.0) serves each of the
 * machine's addresses as well: an address literal cannot be rebound, only a name can.
 */
export function servedHosts({ host, webOrigin }: { host?: string; webOrigin?: string }): ServedHosts {
  const names = new Set(LOOPBACK);
  if (host) names.add(hostName(host));
  if (host && WILDCARDS.has(host)) {
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(hostName(a.address));
  }
  const authorities: string[] = [];
  if (webOrigin) {
    const origin = new URL(webOrigin);
    names.add(origin.hostname.toLowerCase());
    authorities.push(origin.host.toLowerCase());
  }
  return { names: [...names], authorities };
}

/** Every Host header value a server listening on `port` answers. Port 80 may be left out, as browsers do. */
export function servedHostValues(hosts: ServedHosts, port: number): Set<string> {
  const values = new Set(hosts.authorities);
  for (const name of hosts.names) {
    values.add(`${name}:${port}`);
    if (port === 80) values.add(name);
  }
  return values;
}

const REFUSAL_BODY = "Misdirected Request: this server does not answer for that host name.\n";
/** The answer to a request for another host (plain data: the DynamoDB thread is sent it too). */
export const MISDIRECTED = {
  status: 421,
  headers: { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(REFUSAL_BODY)), connection: "close" },
  body: REFUSAL_BODY,
} as const;

/** Refuses a request for a host this server does not serve; true when it answered. */
export function refuseUnservedHost(req: IncomingMessage, res: ServerResponse, served: ReadonlySet<string>): boolean {
  const host = req.headers.host?.toLowerCase();
  if (host !== undefined && served.has(host)) return false;
  res.writeHead(MISDIRECTED.status, MISDIRECTED.headers);
  res.end(MISDIRECTED.body);
  return true;
}

/** Wraps a server's request listener so that it sees only requests for a host it serves. */
export function guardHosts(hosts: ServedHosts, listener: RequestListener): RequestListener {
  let served: { port: number; values: Set<string> } | undefined;
  return (req, res) => {
    const port = req.socket.localPort ?? 0;
    if (served?.port !== port) served = { port, values: servedHostValues(hosts, port) };
    if (refuseUnservedHost(req, res, served.values)) return;
    listener(req, res);
  };
}
