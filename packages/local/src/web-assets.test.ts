import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safePath, webAssets } from "./web-assets";

let root: string;
let secretDir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  secretDir = await mkdtemp(join(tmpdir(), "web-assets-"));
  root = join(secretDir, "dist");
  await mkdir(join(root, "assets"), { recursive: true });
  await writeFile(join(root, "index.html"), "<!doctype html><title>app</title>");
  await writeFile(join(root, "assets", "index-AbC123.js"), "console.log(1)");
  await writeFile(join(root, "favicon.svg"), "<svg/>");
  await writeFile(join(root, ".env"), "SECRET=1");
  await writeFile(join(secretDir, "secret.txt"), "outside the build");
  const serve = webAssets({ root, connectOrigins: ["http://127.0.0.1:9000/"] });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    void serve(req, res, url).then((answered) => {
      if (!answered) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end('{"message":"Not Found"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(secretDir, { recursive: true, force: true });
});

/** A raw request, so that the path goes out exactly as written (fetch would normalise `..`). */
function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, path }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("web assets", () => {
  it("serves index.html at / with no-cache, an ETag, nosniff and a CSP naming storage's origin", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.body).toContain("<title>app</title>");
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers.etag).toMatch(/^W\/"/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("connect-src 'self' http://127.0.0.1:9000;");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("caches hashed assets for a year as immutable, with their content type", async () => {
    const res = await get("/assets/index-AbC123.js");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await get("/favicon.svg")).headers["content-type"]).toBe("image/svg+xml");
    expect((await get("/favicon.svg")).headers["cache-control"]).toBe("no-cache");
  });

  it("answers 304 to a matching If-None-Match, and HEAD without a body", async () => {
    const first = await get("/assets/index-AbC123.js");
    const again = await get("/assets/index-AbC123.js", { "if-none-match": String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    const head = await get("/", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String("<!doctype html><title>app</title>".length));
    expect(head.body).toBe("");
  });

  it("falls back to index.html for navigations (Accept: text/html), not for API clients", async () => {
    const nav = await get("/login", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
    expect(nav.status).toBe(200);
    expect(nav.body).toContain("<title>app</title>");
    expect(nav.headers["cache-control"]).toBe("no-cache");
    expect((await get("/login", { accept: "*/*" })).status).toBe(404);
    expect((await get("/assets/missing.js")).status).toBe(404);
    expect((await get("/", {}, "POST")).status).toBe(404);
  });

  it("never serves anything outside the build, nor dot-files", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/..%5csecret.txt", "/.env", "/%2eenv", "/assets/%00.js", "/%E0%A4%A"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain("outside the build");
      expect(res.body, path).not.toContain("SECRET");
    }
    // A navigation to such a path gets the app, never the file.
    const nav = await get("/%2e%2e/secret.txt", { accept: "text/html" });
    expect(nav.body).toContain("<title>app</title>");
  });

  it("resolves only plain paths inside the root", () => {
    expect(safePath("/srv/dist", "/assets/a.js")).toBe("/srv/dist/assets/a.js");
    expect(safePath("/srv/dist", "/")).toBe("/srv/dist/");
    expect(safePath("/srv/dist", "/a/../../etc/passwd")).toBeUndefined();
    expect(safePath("/srv/dist", "/%2e%2e%2fetc")).toBeUndefined();
  });

  it("says how to build the app when there is no build", async () => {
    const serve = webAssets({ root: join(secretDir, "nowhere") });
    const s = createServer((req, res) => void serve(req, res, new URL(req.url ?? "/", "http://x")).then((ok) => ok || res.end("fallthrough")));
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build -w @media/web");
    await new Promise((r) => s.close(r));
  });
});
