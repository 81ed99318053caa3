import { MediaClient } from "@media/client";
import { describe, expect, it } from "vitest";
import { AppApi } from "./app-api";
import { AccountApi, isMfaChallenge } from "./account-api";
import { AppError } from "./errors";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The app's calls on a real client whose fetch answers in turn from `answers`, recording every request. */
function harness(...answers: Array<Response | Error>) {
  const calls: Array<{ method: string; url: string; body: unknown; authorization: string | null }> = [];
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ method: init?.method ?? "GET", url: String(input), body: init?.body ? JSON.parse(String(init.body)) : undefined, authorization: new Headers(init?.headers).get("authorization") });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected call ${init?.method} ${String(input)}`);
    if (next instanceof Error) throw next;
    return next;
  };
  const client = new MediaClient({ apiUrl: "http://api.test/", fetch: fetchFn as typeof fetch, now: () => 0, session: { accessToken: "access-1", refreshToken: "refresh-1", expiresAt: 3600_000 } });
  return { api: new AppApi(client), client, calls };
}

const tokens = { message: "", token: "access-2", accessToken: "access-2", idToken: "i", expiresIn: 3600, tokenType: "Bearer" };

describe("AppApi: the screens' calls on the one client", () => {
  it("sends the bearer token and builds query strings without empty values", async () => {
    const h = harness(json({ files: [], nextCursor: null }));
    await h.api.list({ limit: 24, cursor: undefined, type: "audio", q: "" });
    expect(h.calls).toEqual([{ method: "GET", url: "http://api.test/retrieve?limit=24&type=audio", body: undefined, authorization: "Bearer access-1" }]);
  });

  it("renews once and retries when the gateway refuses the token", async () => {
    const h = harness(json({ message: "Unauthorized" }, 401), json(tokens), json({ files: [], nextCursor: null }));
    await h.api.list({});
    expect(h.calls.map((c) => `${c.method} ${new URL(c.url).pathname} ${c.authorization}`)).toEqual(["GET /retrieve Bearer access-1", "POST /refresh null", "GET /retrieve Bearer access-2"]);
  });

  it("does not retry the API's own refusals, and shows them in people's words", async () => {
    const h = harness(json({ error: { code: "QuotaExceeded", message: "…", details: { remainingBytes: 0, quotaBytes: 1024 } } }, 413));
    const error = await h.api.shareFile("F1", 60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ source: "api", code: "QuotaExceeded", status: 413, message: "Not enough space: 0 B left of your 1 KiB. Delete some files to make room." });
    expect(h.calls).toHaveLength(1);
  });

  it("reports a network failure in words", async () => {
    const h = harness(new TypeError("Failed to fetch"));
    await expect(h.api.me()).rejects.toMatchObject({ source: "network", code: "NetworkError", message: "Can't reach the server. Check your connection and try again." });
  });

  it("creates, lists and revokes share links with the ids inside their path segments", async () => {
    const h = harness(json({ shareId: "S1", url: "http://api.test/s/t", expiresAt: "2030-01-01T00:00:00Z" }, 201), json({ shares: [] }), new Response(null, { status: 204 }));
    await h.api.shareFile("a/b", 3600);
    await h.api.listShares("a/b");
    await h.api.revokeShare("a/b", "S 1");
    expect(h.calls.map((c) => `${c.method} ${c.url} ${JSON.stringify(c.body ?? null)}`)).toEqual([
      'POST http://api.test/files/a%2Fb/share {"expiresInSeconds":3600}',
      "GET http://api.test/files/a%2Fb/shares null",
      "DELETE http://api.test/files/a%2Fb/share/S%201 null",
    ]);
  });

  it("answers an MFA challenge as a step, and finishes the login with the app's code", async () => {
    const h = harness(json({ message: "Enter the code.", challenge: "SOFTWARE_TOKEN_MFA", session: "challenge-1" }), json({ ...tokens, refreshToken: "refresh-2" }));
    const account = new AccountApi(h.api);
    const answer = await account.login("ann@example.com", "pw");
    expect(isMfaChallenge(answer) && answer.session).toBe("challenge-1");
    const session = await account.loginMfa("challenge-1", " 123456 ");
    expect(session).toMatchObject({ accessToken: "access-2", refreshToken: "refresh-2" });
    expect(h.calls[1]).toMatchObject({ url: "http://api.test/login/mfa", body: { session: "challenge-1", code: "123456" } });
    expect(h.client.session?.accessToken).toBe("access-2");
  });
});
