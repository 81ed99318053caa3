import { describe, expect, it, vi } from "vitest";
import { AppError } from "../api/errors";
import type { TokenAnswer } from "../api/types";
import { Session, type SessionDeps } from "./session";

function tokens(access: string, expiresIn = 3600, refreshToken?: string): TokenAnswer {
  const t: TokenAnswer = { message: "", token: access, accessToken: access, idToken: "id", expiresIn, tokenType: "Bearer" };
  if (refreshToken) t.refreshToken = refreshToken;
  return t;
}

function harness(overrides: Partial<SessionDeps> = {}) {
  let now = 1_000_000;
  const timers: Array<{ fn: () => void; at: number; cleared: boolean }> = [];
  const store = new Map<string, string>();
  const deps: SessionDeps = {
    refresh: vi.fn(async () => tokens("access-2")),
    logout: vi.fn(async () => undefined),
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v), removeItem: (k) => void store.delete(k) },
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { fn, at: now + ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => void ((t as { cleared: boolean }).cleared = true),
    ...overrides,
  };
  return {
    session: new Session(deps),
    deps,
    store,
    /** Moves the clock and fires the timers that came due. */
    advance: async (ms: number) => {
      now += ms;
      for (const t of timers.filter((t) => !t.cleared && t.at <= now)) {
        t.cleared = true;
        t.fn();
      }
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe("session tokens", () => {
  it("keeps the access token in memory only, and the refresh token in this tab's storage", async () => {
    const h = harness();
    h.session.signIn(tokens("access-1", 3600, "refresh-1"), "ann@example.com");
    expect(h.session.state).toEqual({ status: "signed-in", email: "ann@example.com" });
    expect(await h.session.accessToken()).toBe("access-1");
    const stored = [...h.store.values()].join();
    expect(stored).toContain("refresh-1");
    expect(stored).not.toContain("access-1");
  });

  it("refreshes a minute before the access token expires, without being asked", async () => {
    const h = harness();
    h.session.signIn(tokens("access-1", 3600, "refresh-1"), "ann@example.com");
    await h.advance(3600_000 - 61_000);
    expect(h.deps.refresh).not.toHaveBeenCalled();
    await h.advance(1_000);
    expect(h.deps.refresh).toHaveBeenCalledWith("refresh-1");
    expect(await h.session.accessToken()).toBe("access-2");
  });

  it("refreshes short-lived tokens at 80% of their life", async () => {
    const h = harness();
    h.session.signIn(tokens("access-1", 60, "refresh-1"), "ann@example.com");
    await h.advance(47_000);
    expect(h.deps.refresh).not.toHaveBeenCalled();
    await h.advance(1_000);
    expect(h.deps.refresh).toHaveBeenCalledTimes(1);
  });

  it("refreshes on demand when the token is about to expire (a sleeping tab's timer came late), once for many callers", async () => {
    const h = harness({ setTimer: () => undefined, clearTimer: () => undefined });
    h.session.signIn(tokens("access-1", 10, "refresh-1"), "ann@example.com");
    await h.advance(6_000); // 4 s left: too close to use
    const [a, b] = await Promise.all([h.session.accessToken(), h.session.accessToken()]);
    expect([a, b]).toEqual(["access-2", "access-2"]);
    expect(h.deps.refresh).toHaveBeenCalledTimes(1);
  });

  it("ends the session with a notice when the refresh token is refused, and forgets it", async () => {
    const h = harness({ refresh: vi.fn(async () => Promise.reject(new AppError("api", "InvalidRefreshToken", "The refresh token is invalid, expired or revoked; log in again.", 401))) });
    h.session.signIn(tokens("access-1", 3600, "refresh-1"), "ann@example.com");
    expect(await h.session.recover()).toBe(false);
    expect(h.session.state).toEqual({ status: "signed-out", notice: "Your session has ended. Sign in again." });
    expect(h.store.size).toBe(0);
    await expect(h.session.accessToken()).rejects.toMatchObject({ code: "SignedOut" });
  });

  it("keeps the session through a network failure during refresh, and tries again soon", async () => {
    const refresh = vi.fn<SessionDeps["refresh"]>().mockRejectedValueOnce(new AppError("network", "NetworkError", "Can't reach the server.")).mockResolvedValue(tokens("access-3"));
    const h = harness({ refresh });
    h.session.signIn(tokens("access-1", 3600, "refresh-1"), "ann@example.com");
    await expect(h.session.recover()).rejects.toMatchObject({ code: "NetworkError" });
    expect(h.session.state.status).toBe("signed-in");
    await h.advance(15_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(await h.session.accessToken()).toBe("access-3");
  });

  it("restores a reloaded tab from the stored refresh token", async () => {
    const h = harness();
    h.store.set("media.refreshToken", JSON.stringify({ token: "refresh-9", email: "ann@example.com" }));
    await h.session.restore();
    expect(h.deps.refresh).toHaveBeenCalledWith("refresh-9");
    expect(h.session.state).toEqual({ status: "signed-in", email: "ann@example.com" });
    expect(await h.session.accessToken()).toBe("access-2");
  });

  it("starts signed out with nothing stored", async () => {
    const h = harness();
    await h.session.restore();
    expect(h.session.state).toEqual({ status: "signed-out" });
    expect(h.deps.refresh).not.toHaveBeenCalled();
  });

  it("revokes the refresh token on sign-out and forgets everything, even when the network fails", async () => {
    const h = harness({ logout: vi.fn(async () => Promise.reject(new TypeError("offline"))) });
    h.session.signIn(tokens("access-1", 3600, "refresh-1"), "ann@example.com");
    await h.session.signOut();
    expect(h.deps.logout).toHaveBeenCalledWith("refresh-1");
    expect(h.session.state).toEqual({ status: "signed-out" });
    expect(h.store.size).toBe(0);
  });
});
