import { createHash } from "node:crypto";
import type { ShareUnavailableReason } from "@media/core/sharing";
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
