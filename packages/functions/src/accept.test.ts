import { describe, expect, it } from "vitest";
import { prefersHtml } from "./accept";

describe("prefersHtml", () => {
  it("is true for a browser navigating to a page", () => {
    for (const accept of [
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", // Chrome, Firefox
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", // Safari
      "text/html",
      "TEXT/HTML; Q=1",
      "application/json;q=0.5, text/html",
    ]) {
      expect(prefersHtml(accept), accept).toBe(true);
    }
  });

  it("is false for API clients, ties, refusals of HTML and nonsense", () => {
    for (const accept of [undefined, "", "*/*", "application/json", "application/json, text/html", "text/html;q=0", "text/html;q=0.5, application/*", "text/*", "text/html;q=abc", ";;,", "text/html;q=0.8, */*"]) {
      expect(prefersHtml(accept), String(accept)).toBe(false);
    }
  });
});
