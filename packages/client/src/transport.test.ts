import { describe, expect, it } from "vitest";
import { MediaApiError } from "./errors";
import { Transport } from "./transport";

/** A fetch that answers from a script, recording what it was sent. */
function scripted(answers: Array<() => Response>) {
  const calls: Array<{ url: string; authorization: string | undefined; body: unknown }> = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ url: String(input), authorization: headers.authorization, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const next = answers.shift();
    if (!next) throw new Error("no answer scripted");
    return next();
  }) as typeof fetch;
  return { fetchFn, calls };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const tokens = (access: string) => json(200, { message: "ok", token: access, accessToken: access, idToken: "id", expiresIn: 3600, tokenType: "Bearer" });

describe("Transport", () => {
  const session = { accessToken: "old", refreshToken: "r1", expiresAt: 10_000_000 };

  it("renews a token API Gateway refused, once, and keeps the refresh token", async () => {
    const { fetchFn, calls } = scripted([json(403, { message: "Forbidden" }), tokens("new"), json(200, { ok: true })]);
    const seen: unknown[] = [];
    const t = new Transport({ apiUrl: "http://api/", session, fetch: fetchFn, now: () => 0, onSession: (s) => void seen.push(s) });
    expect(await t.json("GET", "/me")).toEqual({ ok: true });
    expect(calls.map((c) => [c.url, c.authorization])).toEqual([
      ["http://api/me", "Bearer old"],
      ["http://api/refresh", undefined],
      ["http://api/me", "Bearer new"],
    ]);
    expect(calls[1]!.body).toEqual({ refreshToken: "r1" });
    expect(seen).toEqual([{ accessToken: "new", refreshToken: "r1", expiresAt: 3_600_000 }]);
  });

  it("does not renew when the refusal is the API's own (a coded error), and types it", async () => {
    const { fetchFn, calls } = scripted([json(403, { error: { code: "Forbidden", message: "no" } })]);
    const t = new Transport({ apiUrl: "http://api", session, fetch: fetchFn, now: () => 0 });
    const error = await t.json("GET", "/me").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaApiError);
    expect(error).toMatchObject({ status: 403, code: "Forbidden", message: "no" });
    expect(calls).toHaveLength(1);
  });

  it("shares one renewal among concurrent requests", async () => {
    const { fetchFn, calls } = scripted([tokens("new"), json(200, 1), json(200, 2)]);
    const t = new Transport({ apiUrl: "http://api", session: { ...session, expiresAt: 30_000 }, fetch: fetchFn, now: () => 0 });
    expect(await Promise.all([t.json("GET", "/a"), t.json("GET", "/b")])).toEqual([1, 2]);
    expect(calls.filter((c) => c.url.endsWith("/refresh"))).toHaveLength(1);
  });

  it("tries a busy answer again as Retry-After says, and passes a long limit on", async () => {
    const busy = scripted([json(429, { error: { code: "TooManyRequests", message: "busy" } }, { "retry-after": "0" }), json(200, "done")]);
    expect(await new Transport({ apiUrl: "http://api", fetch: busy.fetchFn }).json("POST", "/signup", { auth: false })).toBe("done");
    const limited = scripted([json(429, { error: { code: "TooManyRequests", message: "later" } }, { "retry-after": "3600" })]);
    await expect(new Transport({ apiUrl: "http://api", fetch: limited.fetchFn }).json("POST", "/signup", { auth: false })).rejects.toMatchObject({
      code: "TooManyRequests",
      retryAfterSeconds: 3600,
    });
  });

  it("refuses to call a guarded route when signed out", async () => {
    const { fetchFn, calls } = scripted([]);
    await expect(new Transport({ apiUrl: "http://api", fetch: fetchFn }).json("GET", "/me")).rejects.toMatchObject({ code: "Unauthorized" });
    expect(calls).toHaveLength(0);
  });

  it("drops the session when its refresh token is refused, and keeps it through a network failure", async () => {
    const refused = scripted([json(401, { message: "Unauthorized" }), json(401, { error: { code: "InvalidRefreshToken", message: "revoked" } })]);
    const seen: unknown[] = [];
    const t = new Transport({ apiUrl: "http://api", session, fetch: refused.fetchFn, now: () => 0, onSession: (s) => void seen.push(s) });
    await expect(t.json("GET", "/me")).rejects.toMatchObject({ code: "InvalidRefreshToken" });
    expect(t.session).toBeUndefined();
    expect(seen).toEqual([undefined]);

    const offline = scripted([json(401, { message: "Unauthorized" }), () => Promise.reject(new TypeError("fetch failed")) as never]);
    const kept = new Transport({ apiUrl: "http://api", session, fetch: offline.fetchFn, now: () => 0 });
    await expect(kept.json("GET", "/me")).rejects.toThrow("fetch failed");
    expect(kept.session).toEqual(session);
  });

  it("resolves a relative API URL against the page in a browser (the app and the API on one origin)", () => {
    const page = globalThis as { location?: { href: string } };
    const before = page.location;
    page.location = { href: "http://app.test/library?x=1" };
    try {
      expect(new Transport({ apiUrl: "" }).url("/retrieve", { limit: 5, q: "" })).toBe("http://app.test/retrieve?limit=5");
    } finally {
      page.location = before;
    }
  });
});
