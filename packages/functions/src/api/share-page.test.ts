import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SHARE_PAGE_CSP, SHARED_FILE_CSP, sharedFilePage, sharePage } from "./share-page";

describe("the page a browser gets for a share link that does not open", () => {
  it.each([
    ["expired", /has expired/],
    ["unavailable", /revoked.*deleted.*incomplete/],
  ] as const)("%s: says what happened, in a page that stands alone", (reason, says) => {
    const page = sharePage(reason);
    expect(page.status).toBe(404);
    expect(page.body).toBeUndefined();
    const html = page.html!;
    expect(html).toMatch(says);
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toMatch(/<title>[^<]+<\/title>/);
    expect(html).toMatch(/<main><h1>[^<]+<\/h1><p>[^<]+<\/p><\/main>/);
    expect(html).toContain('name="viewport"');
    // Nothing to run and nothing fetched: no script, no link, no URL of any kind.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|https?:|\/\/|\son\w+=/i);
  });

  it("is locked down by a strict Content-Security-Policy that allows only its own style, by hash", () => {
    const page = sharePage("expired");
    expect(page.headers).toMatchObject({ "content-security-policy": SHARE_PAGE_CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
    expect(SHARE_PAGE_CSP).toMatch(/^default-src 'none'; /);
    expect(SHARE_PAGE_CSP).not.toMatch(/unsafe|\*/);
    expect(SHARE_PAGE_CSP).toContain("frame-ancestors 'none'");
    const style = /<style>([^<]*)<\/style>/.exec(page.html!)![1]!;
    expect(SHARE_PAGE_CSP).toContain(`style-src 'sha256-${createHash("sha256").update(style).digest("base64")}'`);
  });
});

describe("the page a browser gets for a share link that opens", () => {
  const view = { fileName: "cat.png", contentType: "image/png", size: 1536, expiresAt: "2030-01-02T03:04:05.000Z", hasPreview: false, hasStream: false };

  it("shows the picture, its name and size, until when it is shared, and a download button, all by relative address", () => {
    const page = sharedFilePage(view);
    expect(page.status).toBe(200);
    const html = page.html!;
    expect(html).toContain("<h1>cat.png</h1>");
    expect(html).toContain('<img src="?download=0" alt="cat.png">');
    expect(html).toContain("1.5 KiB · shared until 2030-01-02 03:04 UTC");
    expect(html).toContain('<a href="?download=1" download>Download</a>');
    expect(html).not.toMatch(/<script|\son\w+=|https?:/i);
  });

  it("shows the display-size preview when one was made, lighter on a phone than the original", () => {
    const html = sharedFilePage({ ...view, hasPreview: true }).html!;
    expect(html).toContain('<img src="?rendition=preview" alt="cat.png">');
    // The download button still saves the original.
    expect(html).toContain('<a href="?download=1" download>Download</a>');
  });

  it("plays audio with a player, and escapes the owner's file name", () => {
    const html = sharedFilePage({ ...view, fileName: `<b onclick="x">"a" & 'b'.mp3`, contentType: "audio/mpeg" }).html!;
    expect(html).toContain('<audio controls preload="metadata" src="?download=0"></audio>');
    expect(html).toContain("<h1>&#60;b onclick=&#34;x&#34;&#62;&#34;a&#34; &#38; &#39;b&#39;.mp3</h1>");
    expect(html).not.toContain("<b ");
  });

  it("plays the AAC stream when one was made, which every browser plays (a FLAC does not play in all)", () => {
    const html = sharedFilePage({ ...view, fileName: "tone.flac", contentType: "audio/flac", hasStream: true }).html!;
    expect(html).toContain('<audio controls preload="metadata" src="?rendition=stream"></audio>');
  });

  it("allows media only (from here and where the link redirects), and its own style by hash", () => {
    const page = sharedFilePage(view);
    expect(page.headers).toMatchObject({ "content-security-policy": SHARED_FILE_CSP, "referrer-policy": "no-referrer", "cache-control": "no-store" });
    expect(SHARED_FILE_CSP).toMatch(/^default-src 'none'; /);
    expect(SHARED_FILE_CSP).not.toMatch(/script-src|unsafe/);
    const style = /<style>([^<]*)<\/style>/.exec(page.html!)![1]!;
    expect(SHARED_FILE_CSP).toContain(`style-src 'sha256-${createHash("sha256").update(style).digest("base64")}'`);
  });
});
