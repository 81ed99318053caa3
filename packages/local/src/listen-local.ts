import type { Server } from "node:http";
import { isIPv6, type AddressInfo } from "node:net";

/** A local endpoint once it listens: where it is, and how to stop it. */
export interface LocalListener {
  address: AddressInfo;
  port: number;
  /** The URL clients call: a wildcard host is reached through the loopback; an IPv6 literal goes in brackets. */
  endpoint: string;
  /**
   * Stops accepting, then cuts open connections: SDK clients keep theirs alive, and `server.close` alone
   * would wait for their idle timeout. `drain`, if given, runs between the two, for answers still on their way.
   */
  close(drain?: () => Promise<void>): Promise<void>;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** Listens on `host` (the loopback unless told) and `port` (any free one unless told); rejects if the port is taken. */
export async function listenLocal(server: Server, port = 0, host = "127.0.0.1"): Promise<LocalListener> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // The host as the caller named it (a signed request names it too), but never a wildcard.
  const shown = WILDCARDS.has(host) ? "127.0.0.1" : isIPv6(host) ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    address,
    port: address.port,
    endpoint: `http://${shown}:${address.port}`,
    close(drain) {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        if (drain) {
          server.closeIdleConnections();
          await drain();
          // Let the last answer leave before cutting what is still connected.
          await new Promise((resolve) => setImmediate(resolve));
        }
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
