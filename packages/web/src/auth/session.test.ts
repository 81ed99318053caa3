import { MediaClient } from "@media/client";
import { describe, expect, it } from "vitest";
import { AppApi } from "../api/app-api";
import { Session } from "./session";

type Answer = (body: Record<string, unknown>) => Response | Promise<Response>;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const tokens = (access: string, expiresIn = 3600, refreshToken?: string) => ({ message: "", token: access, accessToken: access, idToken: "id", expiresIn, tokenType: "Bearer", ...(refreshToken ? { refreshToken } : {}) });

/** The app's session on a real client, against an API that answers each route as `routes` says. */
function harness(routes: Record<string, Answer> = {}) {
  let now = 1_000_000;
  const store = new Map<string, string>();
  const calls: Array<{ route: string; body: Record<string, unknown>; authorization: string | null }> = [];
  const answers: Record<string, Answer> = {
    "POST /login": () => json(tokens("access-1", 3600, "refresh-1")),
    "POST /refresh": () => json(tokens("access-2")),
    "POST /logout": () => new Response(null, { status: 204 }),
    "GET /me": () => json({ userId: "u", email: "ann@example.com", usage: { files: 0, bytes: 0, reservedBytes: 0, quotaBytes: 1 }, limits: { maxFileBytes: 1, quotaBytes: 1 } }),
    ...routes,
  };
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const route = `${init?.method ?? "GET"} ${new URL(String(input)).pathname}`;
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    calls.push({ route, body, authorization: new Headers(init?.headers).get("authorization") });
    const answer = answers[route];
    return answer ? answer(body) : json({ error: { code: "NotFound", message: "no route" } }, 404);
  };
  const client = new MediaClient({ apiUrl: "http://api.test", fetch: fetchFn as typeof fetch, now: () => now, onSession: (s) => session.clientChanged(s) });
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
  const session: Session = new Session({ transport: client.transport, logout: () => client.logout(), storage, now: () => now });
  const api = new AppApi(client);
  return { session, api, client, store, calls, advance: (ms: number) => (now += ms), routes: (route: string) => calls.filter((c) => c.route === route) };
}

async function signedIn(h: ReturnType<typeof harness>) {
  h.session.signIn(await h.api.login("ann@example.com", "pw"), "ann@example.com");
}

describe("the app's session on the client", () => {
  it("keeps the access token in memory only, and the refresh token in this tab's storage", async () => {
    const h = harness();
    await signedIn(h);
    expect(h.session.state).toEqual({ status: "signed-in", email: "ann@example.com" });
    expect(await h.session.accessToken()).toBe("access-1");
    const stored = [...h.store.values()].join();
    expect(stored).toContain("refresh-1");
    expect(stored).not.toContain("access-1");
  });

  it("renews the access token before it ends, once for many callers, and keeps the refresh token", async () => {
    const h = harness();
    await signedIn(h);
    h.advance(3600_000 - 30_000); // within the renewal margin
    await Promise.all([h.api.me(), h.api.me(), h.session.accessToken()]);
    expect(h.routes("POST /refresh")).toEqual([{ route: "POST /refresh", body: { refreshToken: "refresh-1" }, authorization: null }]);
    expect(h.routes("GET /me").map((c) => c.authorization)).toEqual(["Bearer access-2", "Bearer access-2"]);
    expect([...h.store.values()].join()).toContain("refresh-1");
  });

  it("ends the session with a notice when the refresh token is refused, and forgets it", async () => {
    const h = harness({ "POST /refresh": () => json({ error: { code: "InvalidRefreshToken", message: "The refresh token is invalid, expired or revoked; log in again." } }, 401) });
    await signedIn(h);
    h.advance(3600_000);
    await expect(h.api.me()).rejects.toMatchObject({ code: "InvalidRefreshToken", status: 401 });
    expect(h.session.state).toEqual({ status: "signed-out", notice: "Your session has ended. Sign in again." });
    expect(h.store.size).toBe(0);
    await expect(h.session.accessToken()).rejects.toMatchObject({ code: "SignedOut" });
  });

  it("keeps the session through a network failure during renewal, and renews on the next call", async () => {
    let offline = true;
    const h = harness({ "POST /refresh": () => (offline ? Promise.reject(new TypeError("Failed to fetch")) : json(tokens("access-3"))) });
    await signedIn(h);
    h.advance(3600_000);
    await expect(h.api.me()).rejects.toMatchObject({ source: "network", code: "NetworkError", message: "Can't reach the server. Check your connection and try again." });
    expect(h.session.state.status).toBe("signed-in");
    offline = false;
    expect(await h.session.accessToken()).toBe("access-3");
  });

  it("restores a reloaded tab from the stored refresh token", async () => {
    const h = harness();
    h.store.set("media.refreshToken", JSON.stringify({ token: "refresh-9", email: "ann@example.com" }));
    await h.session.restore();
    expect(h.routes("POST /refresh").map((c) => c.body)).toEqual([{ refreshToken: "refresh-9" }]);
    expect(h.session.state).toEqual({ status: "signed-in", email: "ann@example.com" });
    expect(await h.session.accessToken()).toBe("access-2");
  });

  it("restores to signed-out with a notice when the stored token is refused, or kept for a reload when the server is unreachable", async () => {
    const refused = harness({ "POST /refresh": () => json({ error: { code: "InvalidRefreshToken", message: "revoked" } }, 401) });
    refused.store.set("media.refreshToken", JSON.stringify({ token: "refresh-9", email: "ann@example.com" }));
    await refused.session.restore();
    expect(refused.session.state).toEqual({ status: "signed-out", notice: "Your session has ended. Sign in again." });
    expect(refused.store.size).toBe(0);

    const offline = harness({ "POST /refresh": () => Promise.reject(new TypeError("Failed to fetch")) });
    offline.store.set("media.refreshToken", JSON.stringify({ token: "refresh-9", email: "ann@example.com" }));
    await offline.session.restore();
    expect(offline.session.state).toEqual({ status: "signed-out", notice: "Can't reach the server. Check your connection and try again." });
    expect(offline.store.size).toBe(1);
  });

  it("starts signed out with nothing stored", async () => {
    const h = harness();
    await h.session.restore();
    expect(h.session.state).toEqual({ status: "signed-out" });
    expect(h.calls).toEqual([]);
  });

  it("revokes the refresh token on sign-out and forgets everything, even when the network fails", async () => {
    const h = harness({ "POST /logout": () => Promise.reject(new TypeError("offline")) });
    await signedIn(h);
    await h.session.signOut();
    expect(h.routes("POST /logout").map((c) => c.body)).toEqual([{ refreshToken: "refresh-1" }]);
    expect(h.session.state).toEqual({ status: "signed-out" });
    expect(h.store.size).toBe(0);
    expect(h.client.session).toBeUndefined();
  });

  it("signs out with the screen's own notice when the server already ended every session", async () => {
    const h = harness();
    await signedIn(h);
    h.session.ended("Your password was changed. Sign in with the new one.");
    expect(h.session.state).toEqual({ status: "signed-out", notice: "Your password was changed. Sign in with the new one." });
    expect(h.client.session).toBeUndefined();
    expect(h.store.size).toBe(0);
  });
});
