import { AppError, errorFromResponse, errorFromThrown } from "./errors";
import type { CreatedShare, FilePage, Me, MediaFile, PresignAnswer, ShareSummary, SignUpAnswer, TokenAnswer } from "./types";

/** Where the app finds its access token; the Session implements it. */
export interface TokenSource {
  /** A valid access token, refreshed first when it is about to expire; throws when signed out. */
  accessToken(): Promise<string>;
  /** Called after the API refused a token: refresh now; false when the session is over. */
  recover(): Promise<boolean>;
}

export interface RequestOptions {
  json?: unknown;
  query?: Record<string, string | number | undefined>;
  auth?: boolean;
  signal?: AbortSignal;
}

/**
 * The HTTP contract as methods. Every non-2xx answer becomes an AppError in its own dialect; a
 * refused token (API Gateway's 401/403, or our InvalidToken) is refreshed once and the call retried.
 */
export class MediaApi {
  private tokens: TokenSource | undefined;

  constructor(
    /** "" for same-origin (the local runtime serves the app and the API together). */
    readonly baseUrl: string,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  useTokens(tokens: TokenSource): void {
    this.tokens = tokens;
  }

  url(path: string, query?: RequestOptions["query"]): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") params.set(k, String(v));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    const send = async (): Promise<Response> => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (options.json !== undefined) headers["content-type"] = "application/json";
      if (auth) {
        if (!this.tokens) throw new AppError("client", "SignedOut", "You are signed out. Sign in again.", 401);
        headers.authorization = `Bearer ${await this.tokens.accessToken()}`;
      }
      const init: RequestInit = { method, headers };
      if (options.json !== undefined) init.body = JSON.stringify(options.json);
      if (options.signal) init.signal = options.signal;
      try {
        return await this.fetchFn(this.url(path, options.query), init);
      } catch (error) {
        throw errorFromThrown(error);
      }
    };
    let res = await send();
    if (!res.ok) {
      let error = errorFromResponse(res.status, res.headers.get("content-type"), await res.text().catch(() => ""));
      // Access tokens are verified offline and cached by the gateway; a refused one is refreshed once.
      if (auth && error.isAuth && this.tokens && (await this.tokens.recover())) {
        res = await send();
        if (res.ok) return parse<T>(res);
        error = errorFromResponse(res.status, res.headers.get("content-type"), await res.text().catch(() => ""));
      }
      throw error;
    }
    return parse<T>(res);
  }

  // Accounts (no token)
  signUp(input: { email: string; password: string; username?: string }) {
    return this.request<SignUpAnswer>("POST", "/signup", { json: input, auth: false });
  }
  confirm(email: string, code: string) {
    return this.request<{ message: string }>("POST", "/confirm", { json: { email, code }, auth: false });
  }
  resendCode(email: string) {
    return this.request<{ message?: string }>("POST", "/resend-code", { json: { email }, auth: false });
  }
  /** Sign-in is by email; a display name (no "@") is accepted too and resolved by the API. */
  login(emailOrUsername: string, password: string) {
    const who = emailOrUsername.includes("@") ? { email: emailOrUsername } : { username: emailOrUsername };
    return this.request<TokenAnswer>("POST", "/login", { json: { ...who, password }, auth: false });
  }
  refresh(refreshToken: string) {
    return this.request<TokenAnswer>("POST", "/refresh", { json: { refreshToken }, auth: false });
  }
  forgotPassword(email: string) {
    return this.request<{ message?: string }>("POST", "/forgot-password", { json: { email }, auth: false });
  }
  resetPassword(email: string, code: string, password: string) {
    return this.request<{ message?: string }>("POST", "/reset-password", { json: { email, code, password }, auth: false });
  }
  logout(refreshToken: string) {
    return this.request<void>("POST", "/logout", { json: { refreshToken } });
  }

  // Library (token)
  me() {
    return this.request<Me>("GET", "/me");
  }
  presign(input: { fileName: string; contentType: string; size: number }) {
    return this.request<PresignAnswer>("POST", "/upload", { json: input });
  }
  list(query: { limit?: number; cursor?: string | undefined; type?: "image" | "audio" | undefined; q?: string | undefined }, signal?: AbortSignal) {
    return this.request<FilePage>("GET", "/retrieve", signal ? { query, signal } : { query });
  }
  getFile(fileId: string, signal?: AbortSignal) {
    return this.request<MediaFile>("GET", `/files/${encodeURIComponent(fileId)}`, signal ? { signal } : {});
  }
  updateFile(fileId: string, patch: { fileName?: string; description?: string | null; tags?: string[] | null }) {
    return this.request<MediaFile>("PATCH", `/files/${encodeURIComponent(fileId)}`, { json: patch });
  }
  deleteFile(fileId: string) {
    return this.request<void>("DELETE", `/files/${encodeURIComponent(fileId)}`);
  }

  // Share links (token)
  shareFile(fileId: string, expiresInSeconds: number) {
    return this.request<CreatedShare>("POST", `/files/${encodeURIComponent(fileId)}/share`, { json: { expiresInSeconds } });
  }
  listShares(fileId: string) {
    return this.request<{ shares: ShareSummary[] }>("GET", `/files/${encodeURIComponent(fileId)}/shares`);
  }
  revokeShare(fileId: string, shareId: string) {
    return this.request<void>("DELETE", `/files/${encodeURIComponent(fileId)}/share/${encodeURIComponent(shareId)}`);
  }
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new AppError("api", "BadResponse", "The server sent an answer the app could not read. Try again.", res.status);
  }
}
