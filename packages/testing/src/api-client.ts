import { openApiResponseCheck } from "./openapi-responses";
import { parseMediaEvent, type MediaEvent } from "@media/core/media-event";

/**
 * A small HTTP client for end-to-end tests: what a browser or curl user does, nothing more. Every answer
 * of an API route is checked against the OpenAPI document (a status it does not list or a body that
 * does not match fails the test).
 */
// Bodies default to `any` on purpose: each test asserts on the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The `data` of an event on `/_local/events`: a media event as SNS carries it. */
export type MediaEventData = MediaEvent;

export function apiClient(baseUrl: string) {
  const checkResponse = openApiResponseCheck();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function call<T = any>(method: string, path: string, options: { token?: string; json?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    } else if (options.raw !== undefined) {
      body = options.raw;
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: "manual" });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    checkResponse(method, path, res.status, parsed);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  async function signUpAndLogin(email: string, password: string): Promise<{ token: string; refreshToken: string; userId: string }> {
    const signup = await call("POST", "/signup", { json: { email, password } });
    if (signup.status !== 201) throw new Error(`signup ${signup.status} ${JSON.stringify(signup.body)}`);
    const outbox = await call<{ messages: Array<{ code: string; subject: string }> }>("GET", `/_local/outbox?to=${encodeURIComponent(email)}`);
    const code = outbox.body.messages.at(-1)?.code;
    const confirm = await call("POST", "/confirm", { json: { email, code } });
    if (confirm.status !== 200) throw new Error(`confirm ${confirm.status} ${JSON.stringify(confirm.body)}`);
    const login = await call("POST", "/login", { json: { email, password } });
    if (login.status !== 200) throw new Error(`login ${login.status} ${JSON.stringify(login.body)}`);
    return { token: login.body.token, refreshToken: login.body.refreshToken, userId: signup.body.userId };
  }

  /** POSTs a file to storage with a presigned policy: every field, then the file last, as browsers do. */
  async function uploadTo(upload: { url: string; fields: Record<string, string> }, bytes: Buffer, contentType: string, fileName = "file") {
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(bytes)], { type: contentType }), fileName);
    // A connection of its own: local-s3-storage.ts (FRESH_CONNECTION) says why.
    const res = await fetch(upload.url, { method: "POST", body: form, headers: { connection: "close" } });
    return { status: res.status, text: await res.text() };
  }

  /**
   * The file once its status is one of `wanted`. Listens to the runtime's live stream of the owner's
   * media events (`/_local/events`, what the web app listens to) before reading the file, then reads it
   * again on each event for it: each event is published after the indexer's work on the file is done,
   * so nothing is polled. Tests give no `timeoutMs` (their own timeout applies); the benchmarks bound it.
   */
  async function waitForStatus(token: string, fileId: string, wanted: string[] = ["ready", "rejected"], timeoutMs?: number) {
    const live = await liveEvents(token);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => live.close(new Error(`file ${fileId} not ${wanted.join(" or ")} after ${timeoutMs} ms`)), timeoutMs);
    try {
      for (;;) {
        const res = await call("GET", `/files/${fileId}`, { token });
        if (res.status === 200 && wanted.includes(res.body.status)) return res.body;
        await live.next((e) => e.fileId === fileId);
      }
    } finally {
      clearTimeout(timer);
      live.close();
    }
  }

  /** The caller's media events as the runtime streams them (server-sent events), from the moment this resolves. */
  async function liveEvents(token: string) {
    const abort = new AbortController();
    const res = await fetch(`${baseUrl}/_local/events?access_token=${encodeURIComponent(token)}`, { signal: abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`/_local/events answered ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const events: MediaEventData[] = [];
    /** Reads until a whole message (blank-line terminated) is buffered; comments (": connected") included. */
    const readMessage = async (): Promise<string> => {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          return message;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the runtime closed its event stream");
        buffered += value;
      }
    };
    // Subscribed once the stream's first comment arrived: events from then on are delivered.
    await readMessage();
    return {
      async next(matches: (e: MediaEventData) => boolean): Promise<MediaEventData> {
        for (;;) {
          const seen = events.findIndex(matches);
          if (seen >= 0) return events.splice(seen, 1)[0]!;
          const data = (await readMessage()).split("\n").find((l) => l.startsWith("data: "));
          if (!data) continue;
          // Checked against the one schema: an event the schema refuses fails the test that waits for it.
          const event = parseMediaEvent(data.slice("data: ".length));
          if (!event) throw new Error(`/_local/events sent an event that is not a MediaEvent: ${data}`);
          events.push(event);
        }
      },
      /** Ends the stream; a `next` waiting meanwhile rejects with `reason`. */
      close: (reason?: Error) => abort.abort(reason),
    };
  }

  return { call, signUpAndLogin, uploadTo, waitForStatus, liveEvents };
}
