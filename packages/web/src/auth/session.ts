import { AppError } from "../api/errors";
import type { TokenSource } from "../api/client";
import type { TokenAnswer } from "../api/types";

/**
 * Where the tokens live, and why:
 * - the access token only in memory: it is a bearer JWT, good for anyone who holds it until it expires or
 *   the account signs out everywhere, so it should never be written anywhere a later script could read it;
 * - the refresh token in sessionStorage, not localStorage: a reload of this tab keeps the person signed
 *   in, but the token is gone when the tab closes and is never shared with other tabs, so a long-lived
 *   credential does not sit on disk for weeks. (A cookie set by the API would be better still, but the
 *   API answers tokens in JSON by contract.) Logout revokes it on the server as well.
 */
const REFRESH_KEY = "media.refreshToken";
/** Refresh this long before the access token expires, so no request ever carries an expired one. */
const REFRESH_MARGIN_MS = 60_000;

export type SessionState = { status: "restoring" } | { status: "signed-out"; notice?: string } | { status: "signed-in"; email?: string };

export interface SessionDeps {
  refresh(refreshToken: string): Promise<TokenAnswer>;
  logout(refreshToken: string): Promise<void>;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | undefined;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class Session implements TokenSource {
  private access: { token: string; expiresAt: number } | undefined;
  private refreshToken: string | undefined;
  private timer: unknown;
  private inflight: Promise<boolean> | undefined;
  private listeners = new Set<(s: SessionState) => void>();
  state: SessionState = { status: "restoring" };
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly deps: SessionDeps) {
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  subscribe(fn: (s: SessionState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** On page load: a refresh token kept by this tab signs the person back in without a password. */
  async restore(): Promise<void> {
    const saved = this.readStored();
    if (!saved) return this.set({ status: "signed-out" });
    this.refreshToken = saved.token;
    try {
      if (await this.refreshNow()) this.set({ status: "signed-in", ...(saved.email ? { email: saved.email } : {}) });
    } catch (error) {
      // The server could not be reached: the saved token stays, so a reload can try again.
      this.set({ status: "signed-out", notice: error instanceof Error ? error.message : "Could not restore your session." });
    }
  }

  /** After /login. */
  signIn(answer: TokenAnswer, email: string): void {
    if (answer.refreshToken) this.refreshToken = answer.refreshToken;
    this.store(email);
    this.acceptTokens(answer);
    this.set({ status: "signed-in", email });
  }

  async accessToken(): Promise<string> {
    if (this.access && this.access.expiresAt - this.now() > 5_000) return this.access.token;
    if (await this.refreshNow()) return this.access!.token;
    throw new AppError("client", "SignedOut", "Your session has ended. Sign in again.", 401);
  }

  recover(): Promise<boolean> {
    return this.refreshNow();
  }

  /** One refresh at a time, however many requests asked for it. */
  refreshNow(): Promise<boolean> {
    this.inflight ??= this.doRefresh().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** The server already ended every session (password changed, signed out everywhere, account deleted): forget the tokens here. */
  ended(notice: string): void {
    this.end(notice);
  }

  /** Revokes the refresh token on the server (best effort) and forgets every token here. */
  async signOut(notice?: string): Promise<void> {
    const token = this.refreshToken;
    if (token && this.access) {
      try {
        await this.deps.logout(token);
      } catch {
        // Signing out here must not depend on the network; the access token expires on its own.
      }
    }
    this.end(notice);
  }

  private async doRefresh(): Promise<boolean> {
    const token = this.refreshToken;
    if (!token) {
      this.end();
      return false;
    }
    try {
      this.acceptTokens(await this.deps.refresh(token));
      return true;
    } catch (error) {
      if (error instanceof AppError && (error.status === 400 || error.status === 401 || error.status === 403)) {
        this.end("Your session has ended. Sign in again.");
        return false;
      }
      // Offline or the server failed: keep the session and let the caller show the error; retry soon.
      this.schedule(15_000);
      throw error;
    }
  }

  private acceptTokens(answer: TokenAnswer): void {
    const lifetimeMs = Math.max(1, answer.expiresIn) * 1000;
    this.access = { token: answer.accessToken ?? answer.token, expiresAt: this.now() + lifetimeMs };
    // A minute before expiry, or at 80% of a lifetime too short for that.
    this.schedule(Math.max(1_000, lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs * 0.8));
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.refreshNow().catch(() => undefined);
    }, ms);
  }

  private end(notice?: string): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    this.access = undefined;
    this.refreshToken = undefined;
    try {
      this.deps.storage?.removeItem(REFRESH_KEY);
    } catch {
      // storage unavailable (private mode): nothing was kept there
    }
    this.set(notice ? { status: "signed-out", notice } : { status: "signed-out" });
  }

  private store(email: string): void {
    try {
      if (this.refreshToken) this.deps.storage?.setItem(REFRESH_KEY, JSON.stringify({ token: this.refreshToken, email }));
    } catch {
      // storage full or disabled: the session simply won't survive a reload
    }
  }

  private readStored(): { token: string; email?: string } | undefined {
    try {
      const raw = this.deps.storage?.getItem(REFRESH_KEY);
      if (!raw) return undefined;
      const v = JSON.parse(raw) as { token?: unknown; email?: unknown };
      if (typeof v.token !== "string") return undefined;
      return typeof v.email === "string" ? { token: v.token, email: v.email } : { token: v.token };
    } catch {
      return undefined;
    }
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const fn of this.listeners) fn(state);
  }
}
