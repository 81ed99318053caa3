import type { TokensResponse } from "@media/core/contract/responses";
import { errorOf, MediaApiError } from "./errors";
import { needsRefresh, sessionFrom, type Session } from "./session";

const MAX_BUSY_RETRIES = 3;
const MAX_BUSY_WAIT_SECONDS = 10;

export interface TransportOptions {
  /**
   * The API's base URL, e.g. https://abc.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:3000.
   * In a browser, "" (or a path) means the page's own origin: the local runtime serves the app and the API together.
   */
  apiUrl: string;
  session?: Session | undefined;
  /** Told of every new session (login, refresh) and of its end (undefined), to persist it. */
  onSession?: (session: Session | undefined) => void | Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface RequestOptions {
  json?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Send the access token (renewed first when it is about to end). Default true. */
  auth?: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Requests with the session: the access token renewed before it ends, and once more if the API refuses
 * it anyway (a clock off, a token cut short), so callers never see an expiry. Concurrent requests share
 * one renewal.
 */
export class Transport {
  readonly apiUrl: string;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  #session: Session | undefined;
  #refreshing: Promise<Session> | undefined;

  constructor(private readonly options: TransportOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = options.now ?? Date.now;
    this.#session = options.session;
  }

  get session(): Session | undefined {
    return this.#session;
  }

  async setSession(session: Session | undefined): Promise<void> {
    this.#session = session;
    await this.options.onSession?.(session);
  }

  async adoptTokens(tokens: TokensResponse): Promise<Session> {
    const session = sessionFrom(tokens, this.now(), this.#session);
    await this.setSession(session);
    return session;
  }

  url(path: string, query?: RequestOptions["query"]): string {
    // A relative base resolves against the page (browsers); Node has no page, so it must be absolute there.
    const url = new URL(this.apiUrl + path, globalThis.location?.href);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    return url.toString();
  }

  /** A request whose answer must be a success: anything else is thrown as a MediaApiError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const auth = options.auth ?? true;
    const send = async (token?: string) => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      if (options.json !== undefined) headers["content-type"] = "application/json";
      const init: RequestInit = { method, headers, redirect: "manual" };
      if (options.json !== undefined) init.body = JSON.stringify(options.json);
      if (options.signal) init.signal = options.signal;
      return this.fetch(this.url(path, options.query), init);
    };
    let response = await send(auth ? await this.accessToken() : undefined);
    if (auth && (response.status === 401 || response.status === 403) && !(await hasOwnErrorCode(response.clone()))) {
      // API Gateway's own refusal: the token itself was not accepted. Renew once and try again.
      response = await send((await this.renew()).accessToken);
    }
    // A busy moment (contention on the user's usage item, a burst): wait as told and try again, a few
    // times. Limits counted per hour answer with a far longer Retry-After and reach the caller at once.
    for (let attempt = 1; response.status === 429 && attempt <= MAX_BUSY_RETRIES; attempt++) {
      const seconds = Number(response.headers.get("retry-after") ?? "1");
      if (!(seconds <= MAX_BUSY_WAIT_SECONDS)) break;
      await response.body?.cancel();
      await pause(seconds * 1000, options.signal);
      response = await send(auth ? await this.accessToken() : undefined);
    }
    if (response.status >= 400) throw await errorOf(response);
    return response;
  }

  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await (await this.request(method, path, options)).json()) as T;
  }

  async accessToken(): Promise<string> {
    const session = this.#session;
    if (!session) throw new MediaApiError(401, "Unauthorized", "Not signed in: log in first.");
    return needsRefresh(session, this.now()) ? (await this.renew()).accessToken : session.accessToken;
  }

  renew(): Promise<Session> {
    this.#refreshing ??= (async () => {
      const session = this.#session;
      if (!session) throw new MediaApiError(401, "Unauthorized", "Not signed in: log in first.");
      let tokens: TokensResponse;
      try {
        tokens = await this.json<TokensResponse>("POST", "/refresh", { auth: false, json: { refreshToken: session.refreshToken } });
      } catch (error) {
        // The refresh token itself was refused (revoked, expired, signed out everywhere): the session is
        // over, and whoever keeps it is told so. A network failure or a 5xx keeps it for another try.
        if (error instanceof MediaApiError && error.status >= 400 && error.status < 500 && error.status !== 429 && this.#session === session) await this.setSession(undefined);
        throw error;
      }
      return this.adoptTokens(tokens);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }
}

async function hasOwnErrorCode(response: Response): Promise<boolean> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
  return typeof body?.error?.code === "string";
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", aborted, { once: true });
  });
}
