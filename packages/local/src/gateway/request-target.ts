/**
 * The path and query of a request, or undefined when the path cannot name a route: the gateway answers
 * 400 `{"message":"Bad Request"}` then, before any route, authorizer or handler sees it.
 *
 * Why not `new URL(req.url, base)`: a target starting with `//` is read as a host
 * (`//evil/files` becomes path `/files` of host `evil`), and a path with malformed percent-encoding
 * (`%zz`, a lone `%`, `%C3` without its continuation byte) reached the route matcher's
 * decodeURIComponent and came back as a 500.
 */
export interface RequestTarget {
  /** As sent, still percent-encoded: payload 2.0's `rawPath`. */
  path: string;
  /** Everything after the first `?`, as sent: `rawQueryString`. */
  rawQueryString: string;
  searchParams: URLSearchParams;
  /** The whole target as a URL, for the routes the gateway does not match (local extras, the web app). */
  url: URL;
}

export function parseRequestTarget(target: string | undefined): RequestTarget | undefined {
  if (!target?.startsWith("/")) return undefined;
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  const rawQueryString = q === -1 ? "" : target.slice(q + 1);
  let url: URL;
  try {
    decodeURIComponent(path);
    // Concatenated, not resolved against a base, so that `//x` stays a path.
    url = new URL(`http://gateway.local${target}`);
  } catch {
    return undefined;
  }
  // URLSearchParams never throws: a malformed escape in a value stays as written, for the handler's schema to judge.
  return { path, rawQueryString, searchParams: new URLSearchParams(rawQueryString), url };
}
