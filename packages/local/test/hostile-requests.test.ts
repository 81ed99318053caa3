import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { ROUTES } from "@media/core/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";

/**
 * What a hostile web page or client sends to `npm start`: requests for another host name (a DNS
 * rebinding page), and fuzzed paths, query strings, headers and bodies through the real gateway,
 * authorizer and handlers. None may get a 5xx or leave a stack trace in the runtime's output.
 */
let dataDir: string;
let local: LocalProcess;
let token = "";
let storage = "";

beforeAll(async () => {
  // As `npm start` does first: the web app is built, so its paths are fuzzed as a user would meet them.
  await promisify(execFile)(process.execPath, [resolve(fileURLToPath(import.meta.url), "../../../web/scripts/ensure-built.mjs"), "--quiet"]);
  dataDir = await mkdtemp(join(tmpdir(), "media-hostile-"));
  local = await startLocalProcess({ DATA_DIR: dataDir, WEB_ORIGIN: "http://media.test:8080" });
  storage = /storage \(S3\)\s+(\S+)/.exec(local.output())![1]!;
  token = (await apiClient(local.url).signUpAndLogin(`fuzz-${Date.now()}@example.com`, "Fuzz-pass-123!")).token;
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** One request as raw bytes (no client library fixing it up), read to the server's close. */
function exchange(endpoint: string, head: string, body = ""): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (text += c));
    socket.on("end", () => {
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.on("error", reject);
    // Written, not ended: Node's server drops the answer to a client that half-closes while it works.
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body, "utf8")]));
  });
}

const authority = (endpoint: string) => new URL(endpoint).host;

describe("a page on another host name (DNS rebinding)", () => {
  it("cannot read the outbox, call the API or reach storage; the names the runtime serves can", async () => {
    const port = new URL(local.url).port;
    for (const host of [`rebind.attacker.example:${port}`, `localhost.attacker.example:${port}`]) {
      const outbox = await exchange(local.url, `GET /_local/outbox HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(outbox.status, host).toBe(421);
      expect(outbox.text).not.toContain("messages");
      const me = await exchange(local.url, `GET /me HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
      expect(me.status, host).toBe(421);
    }
    const s3 = await exchange(storage, `GET /media-local HTTP/1.1\r\nHost: rebind.attacker.example:${new URL(storage).port}\r\nConnection: close\r\n\r\n`);
    expect(s3.status).toBe(421);

    for (const host of [authority(local.url), `localhost:${port}`, `media.test:${port}`, "media.test:8080"]) {
      const outbox = await exchange(local.url, `GET /_local/outbox?to=nobody@example.com HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(outbox.status, host).toBe(200);
    }
  });
});

// ---- the fuzzer's vocabulary: what an attacker or a broken client puts in each part of a request ----

const PRINTABLE = fc.string({ unit: fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@/?#[]%\"<>\\^`{|} ".split("")), maxLength: 24 });
/** Percent escapes good and bad: truncated, non-hex, invalid UTF-8, encoded slashes, NUL, dot segments. */
const ESCAPE = fc.constantFrom("%", "%2", "%zz", "%C3", "%C3%A9", "%E0%A4", "%F0%9F%98%80", "%ff", "%00", "%2F", "%2e%2e", "%25", "%u2028", "..", ".", "%0d%0a");
const SEGMENT = fc.oneof(
  fc.constantFrom("01J00000000000000000000000", "01JZZZZZZZZZZZZZZZZZZZZZZZ", "abcdefghijklmnopqrstuv", ""),
  fc.array(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/), ESCAPE), { maxLength: 5 }).map((parts) => parts.join("")),
);
const METHOD = fc.constantFrom("GET", "POST", "PATCH", "DELETE", "OPTIONS", "HEAD", "PUT");
/** A route of the table with its method and its parameters fuzzed in place. */
const ROUTE_TARGET = fc.tuple(fc.constantFrom(...ROUTES), SEGMENT, SEGMENT).map(([route, a, b]) => {
  let n = 0;
  return { method: route.method as string, path: route.path.replace(/\{\w+\}/g, () => (n++ === 0 ? a : b)) };
});
/** Anything else: another method, a path of fuzzed segments, the local extras and the web app's paths. */
const OTHER_TARGET = fc.record({
  method: METHOD,
  path: fc.oneof(
    fc.array(SEGMENT, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join("/")}`),
    fc.constantFrom("/", "//", "///files", "/_local/outbox", "/_local/events", "/_local/metrics", "/index.html", "/assets/%2e%2e/%2e%2e/package.json", "/files/..%2f..%2f"),
  ),
});
const QUERY = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom("limit", "cursor", "type", "q", "from", "to", "download", "to", "access_token"), PRINTABLE), fc.oneof(PRINTABLE, ESCAPE, fc.constantFrom("-1", "0", "1e309", "999999999999", "image", "audio", "NaN", "1"))),
  { maxLength: 4 },
).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`.replace(/[ #]/g, "+")).join("&"));
const HEADER_VALUE = fc.string({ unit: fc.constantFrom(..."abc XYZ019-._~!$&'()*+,;=:@/?[]%\"<>{}|\\^`é".split("")), maxLength: 40 });
const HEADERS = fc.record(
  {
    authorization: fc.oneof(fc.constant("VALID"), fc.constant("Bearer "), HEADER_VALUE.map((v) => `Bearer ${v}`), HEADER_VALUE, fc.constant("Bearer a.b.c"), fc.constant("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")),
    "content-type": fc.oneof(fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/vnd+json"), HEADER_VALUE),
    accept: fc.oneof(fc.constantFrom("text/html", "application/json", "*/*", "text/html;q=0,application/json"), HEADER_VALUE),
    origin: fc.oneof(fc.constantFrom("http://media.test:8080", "null", "http://evil.example"), HEADER_VALUE),
    cookie: HEADER_VALUE,
    "x-forwarded-for": HEADER_VALUE,
    "access-control-request-method": fc.constantFrom("GET", "POST", "DELETE", "X"),
    range: fc.oneof(fc.constantFrom("bytes=0-", "bytes=-1", "bytes=5-1"), HEADER_VALUE),
  },
  { requiredKeys: [] },
);
const BODY = fc.oneof(
  fc.constant(""),
  fc.json({ maxDepth: 3 }),
  fc.record({ email: fc.oneof(fc.emailAddress(), PRINTABLE), password: PRINTABLE, fileName: PRINTABLE, contentType: fc.constantFrom("image/png", "audio/mpeg; charset=x", "image/svg+xml", ""), size: fc.oneof(fc.integer(), fc.double()), code: PRINTABLE, refreshToken: PRINTABLE, tags: fc.array(PRINTABLE), expiresInSeconds: fc.oneof(fc.integer(), fc.constant(1e309)) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 200 }),
);
const REQUEST = fc.record({ target: fc.oneof({ arbitrary: ROUTE_TARGET, weight: 3 }, { arbitrary: OTHER_TARGET, weight: 1 }), query: QUERY, headers: HEADERS, body: BODY });

describe("fuzzed requests to the gateway", () => {
  it("never get a 5xx and leave no stack trace in the log", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(REQUEST, async ({ target: { method, path }, query, headers, body }) => {
        const lines = [`${method} ${path}${query ? `?${query}` : ""} HTTP/1.1`, `Host: ${authority(local.url)}`, "Connection: close"];
        for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${name === "authorization" && value === "VALID" ? `Bearer ${token}` : value}`);
        const payload = method === "GET" || method === "HEAD" ? "" : body;
        if (payload) lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
        const { status, text } = await exchange(local.url, `${lines.join("\r\n")}\r\n\r\n`, payload);
        seen.add(status);
        // 0: no answer at all (a dropped connection is as much a failure as a 500).
        expect(status, `${lines[0]} answered ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
        expect(status, `${lines[0]} answered ${text.slice(0, 300)}`).toBeLessThan(500);
      }),
      { numRuns: 250 },
    );
    // The fuzzer reached the handlers, not only the gateway's own refusals.
    expect([200, 201, 204].some((s) => seen.has(s))).toBe(true);
    expect(seen.has(400)).toBe(true);
    const output = local.output();
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(output).not.toMatch(/"stack"/);
    expect(output).not.toMatch(/"level":"ERROR"/);
    expect(output).not.toMatch(/handler failed|indexer invocation failed/);
  });
});
