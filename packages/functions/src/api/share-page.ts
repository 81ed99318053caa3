import { createHash } from "node:crypto";
import { formatBytes } from "@media/core/byte-size";
import type { SharedFileView, ShareUnavailableReason } from "@media/core/sharing";
import type { Reply } from "../http";

/**
 * What a browser is shown when a share link does not open, in place of the API's JSON: a small page
 * that stands alone (no script, no external style, font or image) and says what happened. Nothing of the
 * request is written into it, not even the token, so there is nothing to inject; the Content-Security-
 * Policy allows only its own style block, by hash, in case that ever changes.
 */
const COPY: Record<ShareUnavailableReason, { title: string; text: string }> = {
  expired: {
    title: "This link has expired",
    text: "The person who shared this file set the link to stop working after a while, and that time has passed. Ask them for a new link.",
  },
  unavailable: {
    title: "This link doesn't work",
    text: "It may have been revoked, the file may have been deleted, or the address may be incomplete. Check that you copied all of it, or ask the person who shared it for a new link.",
  },
};

const STYLE =
  ":root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5}" +
  "body{margin:0;min-height:100vh;display:grid;place-items:center;background:Canvas;color:CanvasText}" +
  "main{max-width:32rem;padding:2rem}h1{font-size:1.5rem;margin:0 0 .75rem}p{margin:0}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

export const SHARE_PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function sharePage(reason: ShareUnavailableReason): Reply {
  const { title, text } = COPY[reason];
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${title}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${title}</h1><p>${text}</p></main></body></html>`;
  return {
    status: 404,
    html,
    headers: {
      "content-security-policy": SHARE_PAGE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  };
}

const FILE_STYLE =
  STYLE +
  "figure{margin:1rem 0}img,audio{display:block;max-width:100%;max-height:70vh}img{margin:0 auto;border-radius:8px}audio{width:100%}" +
  "h1{overflow-wrap:anywhere}.meta{opacity:.8;margin-bottom:1rem}" +
  "a{display:inline-block;padding:.6rem 1.2rem;border-radius:8px;background:#3451b2;color:#fff;font-weight:600;text-decoration:none}";
const FILE_STYLE_HASH = createHash("sha256").update(FILE_STYLE).digest("base64");

/**
 * The file's own page needs its picture or sound, which the same link serves (a request that does not ask
 * for HTML is sent on to storage): media from this origin and from wherever it redirects, nothing else.
 */
export const SHARED_FILE_CSP = `default-src 'none'; img-src 'self' https: http:; media-src 'self' https: http:; style-src 'sha256-${FILE_STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/**
 * What a browser is shown for a link that opens: the file's name, a picture (the display-size preview
 * when one was made: lighter on a phone than the original) or a player (of the AAC stream when one was
 * made: it plays in every browser, which a FLAC or an AIFF does not), and a download button. Relative addresses only ("?download=…" of this very link), so the token is never written here;
 * the name is the owner's text and is escaped.
 */
export function sharedFilePage(file: SharedFileView): Reply {
  const name = escapeHtml(file.fileName);
  const media = file.contentType.startsWith("image/")
    ? `<figure><img src="${file.hasPreview ? "?rendition=preview" : "?download=0"}" alt="${name}"></figure>`
    : file.contentType.startsWith("audio/")
      ? `<figure><audio controls preload="metadata" src="${file.hasStream ? "?rendition=stream" : "?download=0"}"></audio></figure>`
      : "";
  const until = new Date(file.expiresAt).toISOString().slice(0, 16).replace("T", " ");
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${name}</title><style>${FILE_STYLE}</style></head>` +
    `<body><main><h1>${name}</h1>${media}<p class="meta">${escapeHtml(formatBytes(file.size))} · shared until ${until} UTC</p>` +
    `<a href="?download=1" download>Download</a></main></body></html>`;
  return {
    status: 200,
    html,
    headers: {
      "content-security-policy": SHARED_FILE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
