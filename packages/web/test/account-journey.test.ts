import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { EMAIL_CHANGED_SUBJECT } from "@media/core/notices";
import { apiClient } from "@media/testing/api-client";
import { authenticator, runtimeTotpClock } from "@media/testing/authenticator";
import { WEB_ARTIFACTS, webAppPerFile } from "@media/testing/web-app";

/**
 * The security page in a real browser against the runtime `npm start` runs: sign out everywhere, turn
 * on two-step sign-in from the QR page's key, export, sign in with a code, change the email (the old
 * address told), change the password (a wrong current one refused), turn two-step sign-in off, and
 * delete the account after typing its email. Screenshots go to test-artifacts/web/.
 */
const artifacts = WEB_ARTIFACTS;
const app = webAppPerFile("account-journey");

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
});

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function openSecurity(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Security" }).click();
  await page.getByRole("heading", { name: "Security", level: 1 }).waitFor();
}

describe("account security in the web app (headless Chromium)", () => {
  it("signs out everywhere, turns on MFA, exports, signs in with a code, changes the email and the password, turns MFA off and deletes the account", async () => {
    const api = apiClient(app().runtime.url);
    const email = `secure-${Date.now()}@example.com`;
    const password = "Secure-pass-123!";
    const newPassword = "Secure-pass-456!";
    const moved = `moved-${Date.now()}@example.com`;
    const outbox = async (to: string) =>
      (await api.call<{ messages: Array<{ subject: string; code?: string; text?: string }> }>("GET", `/_local/outbox?to=${encodeURIComponent(to)}`)).body.messages;
    const { token } = await api.signUpAndLogin(email, password);
    const context = await app().browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true, colorScheme: "light" });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${app().runtime.url}/login`);
      await signIn(page, email, password);
      await openSecurity(page);

      // Sign out everywhere: this tab and the API client's token alike.
      await page.getByRole("button", { name: "Sign out everywhere" }).click();
      await page.getByText("You are signed out on every device.").waitFor();
      expect((await api.call("GET", "/me", { token })).status).toBe(403);
      await signIn(page, email, password);
      await openSecurity(page);

      // Two-step sign-in: the QR code and its key, then a code from the app.
      await page.getByRole("button", { name: "Set up an authenticator app" }).click();
      await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
      const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
      // Each code is for the pool's next 30-second step, its TOTP clock moved there rather than waited for.
      const { nextCode, wrongCode } = authenticator(secret, runtimeTotpClock(app().runtime.url));
      await page.screenshot({ path: join(artifacts, "20-mfa-setup.png"), fullPage: true });
      await page.getByLabel("Code from the app", { exact: true }).fill(await wrongCode());
      await page.getByRole("button", { name: "Turn on" }).click();
      await page.getByText("The code is not right").first().waitFor();
      await page.getByLabel("Code from the app", { exact: true }).fill(await nextCode());
      await page.getByRole("button", { name: "Turn on" }).click();
      await page.getByRole("status").filter({ hasText: "Two-step sign-in is on" }).waitFor();

      // Export: a JSON file with the account's files.
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Export my data" }).click();
      const saved = await (await download).path();
      const manifest = JSON.parse(await readFile(saved, "utf8")) as { format: string; email: string; files: unknown[] };
      expect(manifest).toMatchObject({ format: "media-storage-export/1", email, files: [] });

      // Signing in now asks for a code.
      await page.getByRole("link", { name: "Back to the library" }).click();
      await page.getByRole("button", { name: "Sign out" }).click();
      await signIn(page, email, password);
      await page.getByRole("heading", { name: "Enter your code" }).waitFor();
      await page.screenshot({ path: join(artifacts, "21-mfa-login.png"), fullPage: true });
      await page.getByLabel("Authentication code").fill(await nextCode());
      await page.getByRole("button", { name: "Verify" }).click();
      await openSecurity(page);

      // The email: a code to the new address moves sign-in to it, and the old address gets a notice.
      await page.getByLabel("New email").fill(moved);
      await page.getByRole("button", { name: "Send a code to the new address" }).click();
      await page.getByLabel("Code sent to the new address").waitFor();
      const emailCode = (await outbox(moved)).findLast((m) => m.code !== undefined)!.code!;
      await page.getByLabel("Code sent to the new address").fill(emailCode);
      await page.getByRole("button", { name: "Confirm new email" }).click();
      await page.getByRole("status").filter({ hasText: `You sign in as ${moved} from now on.` }).waitFor();
      const notices = (await outbox(email)).filter((m) => m.subject === EMAIL_CHANGED_SUBJECT);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.text).toContain(`to ${moved}`);

      // The password: a wrong current one is refused and nothing changes; then every session ends.
      await page.getByLabel("Current password").fill("Wrong-pass-123!");
      await page.getByLabel("New password").fill(newPassword);
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("The password is not right.").first().waitFor();
      await page.getByLabel("Current password").fill(password);
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("Your password is changed").waitFor();
      await signIn(page, moved, newPassword);
      await page.getByLabel("Authentication code").fill(await nextCode());
      await page.getByRole("button", { name: "Verify" }).click();
      await openSecurity(page);

      // Two-step sign-in off, with a current code: sign-in then gives tokens straight away.
      await page.getByLabel("Code to turn two-step sign-in off").fill(await nextCode());
      await page.getByRole("button", { name: "Turn off" }).click();
      await page.getByRole("status").filter({ hasText: "Two-step sign-in is off." }).waitFor();
      expect((await api.call<{ token?: string }>("POST", "/login", { json: { email: moved, password: newPassword } })).body.token).toEqual(expect.any(String));

      // Deletion waits for the email to be typed, then takes the password (no code: MFA is off).
      const remove = page.getByRole("button", { name: "Delete my account" });
      expect(await remove.isDisabled()).toBe(true);
      await page.getByLabel(/Type your email/).fill(moved);
      await page.getByLabel("Your password").fill(newPassword);
      await page.screenshot({ path: join(artifacts, "22-delete-account.png"), fullPage: true });
      await remove.click();
      await page.getByText("Your account and all its files are deleted.").waitFor();
      expect((await api.call("POST", "/login", { json: { email: moved, password: newPassword } })).status).toBe(401);
    } catch (error) {
      await page.screenshot({ path: join(artifacts, "account-failure.png"), fullPage: true }).catch(() => undefined);
      throw error;
    }
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
