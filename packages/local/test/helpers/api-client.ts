/** A small HTTP client for end-to-end tests: what a browser or curl user does, nothing more. */
// Bodies default to `any` on purpose: each test asserts on the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function apiClient(baseUrl: string) {
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
    const res = await fetch(upload.url, { method: "POST", body: form });
    return { status: res.status, text: await res.text() };
  }

  async function waitForStatus(token: string, fileId: string, wanted: string[] = ["ready", "rejected"], timeoutMs = 20_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await call("GET", `/files/${fileId}`, { token });
      if (res.status === 200 && wanted.includes(res.body.status)) return res.body;
      if (Date.now() > until) throw new Error(`file ${fileId} still ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return { call, signUpAndLogin, uploadTo, waitForStatus };
}
