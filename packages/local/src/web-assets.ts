import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Serves the built web app (packages/web/dist) for every request no API route matched, as a CDN in
 * front of a StaticSite would:
 * - Vite's hashed files under /assets/ are immutable, cached for a year; everything else (index.html
 *   above all) is `no-cache`, revalidated by ETag, so a new build is picked up at once;
 * - GET and HEAD only; a path is decoded once, and must stay inside the build folder after resolving
 *   (no `..`, no encoded separators, no NUL, no dot-files), otherwise it is simply not served;
 * - an unknown path whose request accepts HTML (a browser navigating to /login, say) gets index.html,
 *   the single-page app's fallback; API clients (`Accept: application/json` or `*` / `*`) still get the
 *   gateway's JSON 404.
 */
const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../web/dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};

export interface WebAssetsOptions {
  /** The build folder; packages/web/dist by default. */
  root?: string;
  /** Origins the page may also talk to (the storage endpoint, for uploads, images and audio), for its CSP. */
  connectOrigins?: string[];
}

export type WebAssets = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export function webAssets(options: WebAssetsOptions = {}): WebAssets {
  const root = resolve(options.root ?? DEFAULT_ROOT);
  const extra = (options.connectOrigins ?? []).map((o) => new URL(o).origin).join(" ");
  // The app loads only its own scripts and styles; media and uploads go to storage's origin.
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${extra}`.trim(),
    `img-src 'self' blob: data: ${extra}`.trim(),
    `media-src 'self' blob: ${extra}`.trim(),
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");

  return async (req, res, url) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = safePath(root, url.pathname);
    if (path) {
      const file = await fileAt(path.endsWith(sep) ? `${path}index.html` : path);
      if (file) return send(req, res, file, url.pathname.startsWith("/assets/"));
    }
    if (!acceptsHtml(req)) return false;
    const index = await fileAt(resolve(root, "index.html"));
    if (index) return send(req, res, index, false);
    notBuilt(req, res);
    return true;
  };

  function send(req: IncomingMessage, res: ServerResponse, file: { path: string; size: number; mtimeMs: number }, immutable: boolean): true {
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const type = TYPES[extname(file.path).toLowerCase()] ?? "application/octet-stream";
    const headers: Record<string, string | number> = {
      "content-type": type,
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      etag,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (type.startsWith("text/html")) {
      headers["content-security-policy"] = csp;
      headers["x-frame-options"] = "DENY";
    }
    if (matchesEtag(req.headers["if-none-match"], etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers["content-length"] = file.size;
    res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return true;
    }
    const stream = createReadStream(file.path);
    stream.on("error", () => res.destroy());
    stream.pipe(res);
    return true;
  }
}

/** The file a URL path names inside root, or undefined when it would leave root or is not a plain name. */
export function safePath(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  // Backslashes and NUL never name a file of ours; dot-segments and dot-files are refused outright.
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.some((s) => s.startsWith("."))) return undefined;
  const full = resolve(root, ...segments);
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  return decoded.endsWith("/") ? (full === root ? root + sep : full + sep) : full;
}

async function fileAt(path: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

function acceptsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? "");
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => bare(t) === bare(etag));
}

function notBuilt(req: IncomingMessage, res: ServerResponse): void {
  const body = `<!doctype html><meta charset="utf-8"><title>Web app not built</title>
<p>The web app has not been built yet. Run <code>npm run build -w @media/web</code> (or <code>npm start</code>, which builds it when needed), then reload.</p>
<p>The API is running: see <a href="/health">/health</a>.</p>`;
  res.writeHead(503, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}
