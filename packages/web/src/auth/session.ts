import type { Session as Tokens, TokensResponse, Transport } from "@media/client";
import { AppError, errorFromThrown } from "../api/errors";

/**
 * Who is signed in, for the screens; the tokens themselves are the client's (@media/client's Transport
 * keeps them, renews the access token before it ends and once more when the gateway refuses it, and
 * drops the session when its refresh token is refused). This keeps the app's side of it:
 * - the access token only in memory: it is a bearer JWT, good for anyone who holds it until it expires or
 *   the account signs out everywhere, so it should never be written anywhere a later script could read it;
 * - the refresh token in sessionStorage, not localStorage: a reload of this tab keeps the person signed
 *   in, but the token is gone when the tab closes and is never shared with other tabs, so a long-lived
 *   credential does not sit on disk for weeks. (A cookie set by the API would be better still, but the
 *   API answers tokens in JSON by contract.) Logout revokes it on the server as well.
 */
const REFRESH_KEY = "media.refreshToken";
const ENDED = "Your session has ended. Sign in again.";

export type SessionState = { status: "restoring" } | { status: "signed-out"; notice?: string } | { status: "signed-in"; email?: string };

export interface SessionDeps {
  transport: Pick<Transport, "session" | "setSession" | "renew" | "accessToken">;
  /** Revokes the refresh token on the server (POST /logout) and forgets the session. */
  logout(): Promise<void>;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | undefined;
  now?: () => number;
}

export class Session {
  private email: string | undefined;
  private listeners = new Set<(s: SessionState) => void>();
  /** Set while this class itself drops the client's session, so the news of it is not taken for an expiry. */
  private ending = false;
  state: SessionState = { status: "restoring" };
  private readonly now: () => number;

  constructor(private readonly deps: SessionDeps) {
    this.now = deps.now ?? Date.now;
  }

  subscribe(fn: (s: SessionState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** On page load: a refresh token kept by this tab signs the person back in without a password. */
  async restore(): Promise<void> {
    const saved = this.readStored();
    if (!saved) return this.set({ status: "signed-out" });
    this.email = saved.email;
    // No access token yet: the first renewal gets one.
    await this.deps.transport.setSession({ accessToken: "", refreshToken: saved.token, expiresAt: 0 });
    try {
      await this.deps.transport.renew();
      this.set({ status: "signed-in", ...(saved.email ? { email: saved.email } : {}) });
    } catch (error) {
      // A refused token already ended the session (clientChanged). Otherwise the server could not be
      // reached: the saved token stays, so a reload can try again.
      if (this.state.status === "signed-out") return;
      this.set({ status: "signed-out", notice: errorFromThrown(error).message });
    }
  }

  /** After a login: the client keeps the tokens already (pass its Session); an answer got elsewhere is adopted here. */
  signIn(tokens: Tokens | TokensResponse, email: string): void {
    this.email = email;
    if ("expiresIn" in tokens) {
      const refreshToken = tokens.refreshToken ?? this.deps.transport.session?.refreshToken ?? "";
      void this.deps.transport.setSession({ accessToken: tokens.accessToken, refreshToken, expiresAt: this.now() + tokens.expiresIn * 1000 });
    } else {
      this.store();
    }
    this.set({ status: "signed-in", email });
  }

  /** A valid access token (renewed first when about to expire); throws when signed out. */
  async accessToken(): Promise<string> {
    try {
      return await this.deps.transport.accessToken();
    } catch (error) {
      if (!this.deps.transport.session) throw new AppError("client", "SignedOut", ENDED, 401);
      throw errorFromThrown(error);
    }
  }

  /**
   * The client's session changed (its onSession): a login or a renewal is kept for a reload; a session
   * dropped by the client (its refresh token refused) signs this tab out with a notice.
   */
  clientChanged(tokens: Tokens | undefined): void {
    if (tokens) return this.store();
    if (!this.ending && this.state.status !== "signed-out") this.end(ENDED);
  }

  /** The server already ended every session (password changed, signed out everywhere, account deleted): forget the tokens here. */
  ended(notice: string): void {
    void this.drop();
    this.end(notice);
  }

  /** Revokes the refresh token on the server (best effort) and forgets every token here. */
  async signOut(notice?: string): Promise<void> {
    if (this.deps.transport.session?.accessToken) {
      this.ending = true;
      try {
        await this.deps.logout();
      } catch {
        // Signing out here must not depend on the network; the access token expires on its own.
      } finally {
        this.ending = false;
      }
    }
    await this.drop();
    this.end(notice);
  }

  private async drop(): Promise<void> {
    if (!this.deps.transport.session) return;
    this.ending = true;
    try {
      await this.deps.transport.setSession(undefined);
    } finally {
      this.ending = false;
    }
  }

  private end(notice?: string): void {
    this.email = undefined;
    try {
      this.deps.storage?.removeItem(REFRESH_KEY);
    } catch {
      // storage unavailable (private mode): nothing was kept there
    }
    this.set(notice ? { status: "signed-out", notice } : { status: "signed-out" });
  }

  private store(): void {
    const refreshToken = this.deps.transport.session?.refreshToken;
    if (!refreshToken || this.email === undefined) return;
    try {
      this.deps.storage?.setItem(REFRESH_KEY, JSON.stringify({ token: refreshToken, email: this.email }));
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
