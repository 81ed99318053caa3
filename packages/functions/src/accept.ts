/**
 * Whether a request's Accept header asks for an HTML page rather than JSON: text/html named outright
 * and preferred to application/json (whose weight may come from `*\/*` or `application/*`). Browsers
 * navigating send `text/html,…,*\/*;q=0.8`; curl, fetch and the SDKs send `*\/*` or nothing, and keep
 * getting JSON, as do ties.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(",").map((part) => {
    const [range = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return { range, q: Number.isFinite(weight) ? Math.min(1, Math.max(0, weight)) : 0 };
  });
  // The most specific range that matches a type gives its weight (RFC 9110 §12.5.1).
  const weightOf = (type: string) => {
    const [major] = type.split("/");
    const match = ranges.find((r) => r.range === type) ?? ranges.find((r) => r.range === `${major}/*`) ?? ranges.find((r) => r.range === "*/*");
    return match?.q ?? 0;
  };
  const html = ranges.find((r) => r.range === "text/html");
  return html !== undefined && html.q > 0 && html.q > weightOf("application/json");
}
