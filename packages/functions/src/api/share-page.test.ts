import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SHARE_PAGE_CSP, sharePage } from "./share-page";

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
