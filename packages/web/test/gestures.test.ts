import type { CDPSession, Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { webAppPerFile } from "@media/testing/web-app";
import { pngFixture } from "@media/testing/minimal-media";

/**
 * Touch gestures in a real browser (Debian's chromium, a phone-sized context with touch) against the
 * runtime `npm start` runs: a sideways swipe in the viewer moves to the next and previous file, and a
 * finger held on a card selects it instead of opening it. The touches go through the DevTools protocol's
 * touch input, so the page gets what a touch screen sends: touch, then pointer events of type "touch",
 * subject to the page's touch-action.
 */
const app = webAppPerFile("web-gestures");

/** One finger: down at the first point, through the others, up at the last. */
async function drag(cdp: CDPSession, points: Array<{ x: number; y: number }>): Promise<void> {
  const [first, ...rest] = points;
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [first!] });
  for (const p of rest) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [p] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = (await locator.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A sideways swipe across the element's middle, `dx` pixels in ten moves. */
function swipe(cdp: CDPSession, from: { x: number; y: number }, dx: number): Promise<void> {
  return drag(cdp, Array.from({ length: 11 }, (_, i) => ({ x: from.x - dx / 2 + (dx * i) / 10, y: from.y })));
}

describe("touch gestures in the web app (headless Chromium, touch emulated)", () => {
  it("swipes between files in the viewer, and a long press on a card selects it instead of opening it", async () => {
    const api = apiClient(app().runtime.url);
    const email = `touch-${Date.now()}@example.com`;
    const password = "Touch-pass-123!";
    const { token } = await api.signUpAndLogin(email, password);
    const bytes = pngFixture(4, 4);
    for (const name of ["first.png", "second.png"]) {
      const up = await api.call("POST", "/upload", { token, json: { fileName: name, contentType: "image/png", size: bytes.length } });
      expect((await api.uploadTo(up.body.upload, bytes, "image/png")).status).toBe(204);
    }
    const context = await app().browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const cdp = await context.newCDPSession(page);
    try {
      await page.goto(`${app().runtime.url}/login`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      // Newest first: second.png, then first.png; each opens once the indexer has said ready.
      const openSecond = page.getByRole("button", { name: "Open second.png" });
      await openSecond.waitFor({ timeout: 60_000 });
      await page.getByRole("button", { name: "Open first.png" }).waitFor({ timeout: 60_000 });

      await page.touchscreen.tap(...(Object.values(await centre(openSecond)) as [number, number]));
      await page.getByRole("dialog", { name: "second.png" }).waitFor();
      const stage = page.locator(".viewer-stage");
      // Right to left: the next file (the older one); left to right: back.
      await swipe(cdp, await centre(stage), -200);
      await page.getByRole("dialog", { name: "first.png" }).waitFor();
      await swipe(cdp, await centre(stage), 200);
      await page.getByRole("dialog", { name: "second.png" }).waitFor();
      // Too short a move is not a swipe.
      await swipe(cdp, await centre(stage), -20);
      expect(await page.getByRole("dialog", { name: "second.png" }).isVisible()).toBe(true);
      await page.getByRole("button", { name: "Close the viewer" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });

      // A finger held still on a card: selected once the press has lasted (the event that matters),
      // then lifted without the click opening the viewer.
      const openFirst = page.getByRole("button", { name: "Open first.png" });
      // By its text: once choosing, the picture's button leaves the accessibility tree (the checkbox speaks).
      const card = page.locator("li.card", { hasText: "first.png" });
      const at = await centre(openFirst);
      await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [at] });
      await expect.poll(() => card.getAttribute("class")).toContain("selected");
      await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
      await page.getByText("1 selected").waitFor();
      expect(await page.getByRole("dialog").count()).toBe(0);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
