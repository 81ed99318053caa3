import type {
  ApiFile,
  CreatedShareResponse,
  FileList,
  MeResponse,
  PresignUploadResponse,
  ShareListResponse,
  SignUpResponse,
  TokensResponse,
} from "@media/core/contract/responses";
import { AccountControls } from "./account";
import { MediaApiError, MfaRequiredError, UploadCancelledError } from "./errors";
import { isMfaChallenge, MfaChallenge, type MfaChallengeResponse, type MfaCodeProvider } from "./mfa";
import { LiveEvents } from "./live";
import type { Session } from "./session";
import { Transport, type TransportOptions } from "./transport";
import { chooseMethod, methodOf, multipartOptions, resolveSource, sendBytes, stillValid, type UploadOptions, type UploadResult, type UploadSource } from "./upload";
import { listParts, sendMultipart } from "./upload-multipart";
import { sha256Base64 } from "./upload-put";

export type MediaClientOptions = TransportOptions;

export interface ListFilter {
  type?: "image" | "audio";
  /** Words of the name, description or tags. */
  q?: string;
  /** ISO 8601 bounds of the upload time. */
  from?: string;
  to?: string;
  /** Files fetched per request (1..100). */
  pageSize?: number;
}

export interface FilePatch {
  fileName?: string;
  description?: string | null;
  tags?: string[] | null;
}

/**
 * The media storage API from a browser or Node 20+: fetch only, no AWS SDK. Errors are MediaApiErrors
 * typed by the API's error codes; the session renews itself and is handed to `onSession` to keep.
 */
export class MediaClient {
  readonly transport: Transport;
  /** Password, email address, two-step sign-in, export, deletion. */
  readonly account: AccountControls;

  constructor(options: MediaClientOptions) {
    this.transport = new Transport(options);
    this.account = new AccountControls(this.transport);
  }

  get session(): Session | undefined {
    return this.transport.session;
  }

  // ---------- accounts ----------

  signUp(input: { email: string; password: string; username?: string }): Promise<SignUpResponse> {
    return this.transport.json("POST", "/signup", { auth: false, json: input });
  }

  async confirm(input: { email: string; code: string }): Promise<void> {
    await this.transport.request("POST", "/confirm", { auth: false, json: input });
  }

  async resendCode(email: string): Promise<void> {
    await this.transport.request("POST", "/resend-code", { auth: false, json: { email } });
  }

  /**
   * Signs in by email (an `@` in it) or username; the session is kept and renewed from now on. An account
   * with MFA on is challenged: `mfaCode` is asked for the authenticator app's code, or, without it, an
   * `MfaRequiredError` carries the challenge to answer with `respond(code)` (one call, or two steps).
   */
  async login(identifier: string, password: string, options: { mfaCode?: MfaCodeProvider } = {}): Promise<Session> {
    const json = identifier.includes("@") ? { email: identifier, password } : { username: identifier, password };
    const answer = await this.transport.json<TokensResponse | MfaChallengeResponse>("POST", "/login", { auth: false, json });
    if (!isMfaChallenge(answer)) return this.transport.adoptTokens(answer);
    const challenge = new MfaChallenge(this.transport, answer.message, answer.session);
    if (!options.mfaCode) throw new MfaRequiredError(challenge);
    return challenge.respond(await options.mfaCode(challenge));
  }

  /** Finishes a login that `MfaRequiredError` interrupted, from the challenge's session string alone (e.g. kept by a UI between steps). */
  respondToMfa(challengeSession: string, code: string): Promise<Session> {
    return new MfaChallenge(this.transport, "", challengeSession).respond(code);
  }

  /** Ends every session of the account (the refresh token revoked) and forgets this one. */
  async logout(): Promise<void> {
    const session = this.session;
    if (session) await this.transport.request("POST", "/logout", { json: { refreshToken: session.refreshToken } });
    await this.transport.setSession(undefined);
  }

  me(): Promise<MeResponse> {
    return this.transport.json("GET", "/me");
  }

  // ---------- files ----------

  /** Every file matching the filter, newest first, fetched a page at a time as the loop asks. */
  async *files(filter: ListFilter = {}, signal?: AbortSignal): AsyncGenerator<ApiFile> {
    let cursor: string | undefined;
    do {
      const page = await this.page({ ...filter, cursor }, signal);
      yield* page.files;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** One page of the list and the cursor of the next: for a screen that loads more as it scrolls. */
  page(filter: ListFilter & { cursor?: string | undefined } = {}, signal?: AbortSignal): Promise<FileList> {
    const query = { limit: filter.pageSize, type: filter.type, q: filter.q, from: filter.from, to: filter.to, cursor: filter.cursor };
    return this.transport.json<FileList>("GET", "/retrieve", { query, signal });
  }

  getFile(fileId: string, signal?: AbortSignal): Promise<ApiFile> {
    return this.transport.json("GET", `/files/${encodeURIComponent(fileId)}`, { signal });
  }

  updateFile(fileId: string, patch: FilePatch): Promise<ApiFile> {
    return this.transport.json("PATCH", `/files/${encodeURIComponent(fileId)}`, { json: patch });
  }

  rename(fileId: string, fileName: string): Promise<ApiFile> {
    return this.updateFile(fileId, { fileName });
  }

  tag(fileId: string, tags: string[]): Promise<ApiFile> {
    return this.updateFile(fileId, { tags });
  }

  /** Deletes a file, or cancels a pending upload; deleting what is gone succeeds. */
  async deleteFile(fileId: string): Promise<void> {
    await this.transport.request("DELETE", `/files/${encodeURIComponent(fileId)}`);
  }

  /** The file's bytes: the download route's redirect followed without sending our token to storage. */
  async download(fileId: string, signal?: AbortSignal): Promise<Response> {
    const redirect = await this.transport.request("GET", `/files/${encodeURIComponent(fileId)}/download`, { signal });
    const location = redirect.headers.get("location");
    if (!location) throw new MediaApiError(502, "InternalError", "The download answered without a location.");
    const response = await this.transport.fetch(location, signal ? { signal } : {});
    if (!response.ok) throw new MediaApiError(response.status, response.status === 404 ? "NotFound" : "InternalError", `Storage answered ${response.status}.`);
    return response;
  }

  share(fileId: string, options: { expiresInSeconds?: number } = {}): Promise<CreatedShareResponse> {
    return this.transport.json("POST", `/files/${encodeURIComponent(fileId)}/share`, { json: options });
  }

  shares(fileId: string): Promise<ShareListResponse> {
    return this.transport.json("GET", `/files/${encodeURIComponent(fileId)}/shares`);
  }

  async revokeShare(fileId: string, shareId: string): Promise<void> {
    await this.transport.request("DELETE", `/files/${encodeURIComponent(fileId)}/share/${encodeURIComponent(shareId)}`);
  }

  // ---------- uploads ----------

  /**
   * Uploads one file: asks the API for an authorisation (the size and type checked there first), then
   * sends the bytes straight to storage with progress: by POST, PUT or in parts (`options.method`, else
   * multipart above `multipartThreshold`). Cancelled by `signal`, the pending file is deleted so its
   * quota reservation comes back at once (a multipart upload aborted); a failed send keeps it for `resume`.
   */
  async upload(source: UploadSource, options: UploadOptions = {}): Promise<UploadResult> {
    const resolved = await resolveSource(source, options);
    const contentType = resolved.contentType;
    if (!contentType) throw new MediaApiError(400, "InvalidContentType", `Cannot tell the type of ${resolved.fileName}: give a contentType.`);
    let authorisation: PresignUploadResponse;
    const resuming = options.resume !== undefined && stillValid(options.resume, resolved.size, this.transport.now());
    if (resuming && options.resume) {
      authorisation = options.resume;
    } else {
      const method = chooseMethod(resolved, options);
      // PUT binds the file's SHA-256 into its URL: hashed before asking, so the reservation waits on nothing.
      const checksumSha256 = method === "put" && resolved.blob ? await sha256Base64(resolved.blob) : undefined;
      authorisation = await this.transport.json<PresignUploadResponse>("POST", "/upload", {
        json: { fileName: resolved.fileName, contentType, size: resolved.size, method, ...(checksumSha256 ? { checksumSha256 } : {}) },
        signal: options.signal,
      });
      await options.onAuthorised?.(authorisation);
    }
    await this.#cancellable(authorisation.fileId, resolved.fileName, options.signal, () => sendBytes(this.transport, authorisation, resolved, contentType, options, resuming));
    return { fileId: authorisation.fileId, fileName: resolved.fileName, size: resolved.size, contentType, method: methodOf(authorisation) };
  }

  /**
   * Finishes an interrupted multipart upload from its fileId alone, on any device: asks storage which
   * parts arrived and sends only the others, then completes. `source` must be the same file.
   */
  async resumeUpload(fileId: string, source: Blob | string, options: Omit<UploadOptions, "resume" | "method" | "onAuthorised"> = {}): Promise<UploadResult> {
    const resolved = await resolveSource(source, options);
    const listed = await listParts(this.transport, fileId, options.signal);
    const plan = { fileId, partSize: listed.partSize, partCount: listed.partCount };
    await this.#cancellable(fileId, resolved.fileName, options.signal, () => sendMultipart(this.transport, plan, resolved.blob!, multipartOptions(fileId, resolved.size, options), listed.parts));
    return { fileId, fileName: resolved.fileName, size: resolved.size, contentType: resolved.contentType ?? "", method: "multipart" };
  }

  /** Runs a send; if `signal` aborted it, the pending file is deleted (its reservation back, a multipart upload aborted). */
  async #cancellable(fileId: string, fileName: string, signal: AbortSignal | undefined, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (signal?.aborted) {
        await this.deleteFile(fileId).catch(() => undefined);
        throw new UploadCancelledError(`The upload of ${fileName} was cancelled.`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * The file once the indexer has decided (ready or rejected), and with `renditions` also once its
   * renditions are settled (made, failed or none needed: `media.renditions` announces it). Listens to the
   * live event stream where the API offers one (the local runtime), else reads the file again with a
   * growing pause.
   */
  async waitUntilReady(fileId: string, options: { signal?: AbortSignal; renditions?: boolean } = {}): Promise<ApiFile> {
    const live = await LiveEvents.open(this.transport);
    // Counted from before the first read, so an event that lands between a read and the wait is not lost.
    const news = new Signal();
    const unsubscribe = live?.subscribe((event) => (event === undefined || event.fileId === fileId) && news.raise());
    try {
      for (let pause = 500; ; pause = Math.min(pause * 2, 5_000)) {
        const seen = news.count;
        const file = await this.getFile(fileId);
        const renditionsPending = options.renditions === true && file.status === "ready" && file.renditions?.status === "pending";
        if (file.status !== "pending" && !renditionsPending) return file;
        await news.after(seen, live && !live.closed ? undefined : pause, options.signal);
      }
    } finally {
      unsubscribe?.();
      live?.close();
    }
  }
}

/** A counter of things that happened, and a wait for the next one (or a pause, or an abort). */
class Signal {
  count = 0;
  #wake = new Set<() => void>();

  raise(): void {
    this.count++;
    for (const wake of [...this.#wake]) wake();
  }

  after(seen: number, pauseMs: number | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.count > seen) return resolve();
      const finish = (error?: unknown) => {
        this.#wake.delete(wake);
        clearTimeout(timer);
        signal?.removeEventListener("abort", aborted);
        if (error === undefined) resolve();
        else reject(error);
      };
      const wake = () => finish();
      const aborted = () => finish(signal?.reason ?? new Error("aborted"));
      this.#wake.add(wake);
      signal?.addEventListener("abort", aborted, { once: true });
      const timer = pauseMs === undefined ? undefined : setTimeout(wake, pauseMs);
    });
  }
}
