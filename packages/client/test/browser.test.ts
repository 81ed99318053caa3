import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { browserWithRuntimePerFile } from "@media/testing/browser-runtime";
import type { MediaClient, Session, UploadResult } from "../src/index";

/**
 * The client as a browser runs it (Debian's chromium, the web app's origin, `npm start`'s runtime):
 * there, bytes go by XMLHttpRequest (the only upload progress a browser reports), a PUT's SHA-256 comes
 * from WebCrypto, and a part's ETag is readable only when storage's CORS exposes it. Node's tests take
 * none of these paths.
 */
const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;

declare global {
  interface Window {
    Media: { MediaClient: new (options: { apiUrl: string; session?: Session }) => MediaClient };
    reportFileId(fileId: string): void;
    reportPart(partNumber: number): void;
  }
}

const started = browserWithRuntimePerFile("client-browser");
let bundle: string;
let session: Session;

beforeAll(async () => {
  // The client as a page loads it: one script, Node's modules left out (their branches never run there).
  const built = await build({ entryPoints: [resolve(here, "../src/index.ts")], bundle: true, format: "iife", globalName: "Media", platform: "browser", target: "es2022", write: false, external: ["node:*"], logLevel: "silent" });
  bundle = built.outputFiles[0]!.text;
  const login = await apiClient(started().runtime.url).signUpAndLogin(`browser-${Date.now()}@example.com`, "Browser-pass-12!");
  session = { accessToken: login.token, refreshToken: login.refreshToken, expiresAt: Date.now() + 3_600_000 };
});

/** A page of the web app's origin (the one storage's CORS names) with the client loaded. */
const clientPage = (page?: Page): Promise<Page> => started().pageWith(bundle, page);

describe("the client in a browser (headless Chromium)", () => {
  it("uploads by POST and by PUT with XMLHttpRequest, reporting progress up to the file's size", async () => {
    const page = await clientPage();
    const outcome = await page.evaluate(async (session) => {
      const client = new window.Media.MediaClient({ apiUrl: "", session });
      const bytes = new Uint8Array(400_000).map((_, i) => (i * 7) & 255);
      const run = async (name: string, method: "post" | "put") => {
        const seen: number[] = [];
        const result = await client.upload(new File([bytes], name, { type: "image/png" }), { method, onProgress: (p) => seen.push(p.loaded) });
        const stored = await client.getFile(result.fileId);
        return { method: result.method, size: stored.size, seen };
      };
      return { post: await run("by-post.png", "post"), put: await run("by-put.png", "put") };
    }, session);
    for (const [method, sent] of Object.entries(outcome)) {
      expect(sent.method).toBe(method);
      expect(sent.size).toBe(400_000);
      expect(sent.seen[0]).toBe(0);
      expect(sent.seen.at(-1)).toBe(400_000);
      expect(sent.seen.every((loaded, i) => i === 0 || loaded >= sent.seen[i - 1]!)).toBe(true);
    }
    await page.close();
  });

  it("sends a large file in parts (ETags read through CORS) and, after the page is reloaded mid-upload, finishes it sending only the missing parts", async () => {
    const page = await clientPage();
    const fileId = new Promise<string>((resolve) => void page.exposeFunction("reportFileId", resolve));
    let firstPart!: () => void;
    const partArrived = new Promise<void>((resolve) => (firstPart = resolve));
    await page.exposeFunction("reportPart", () => firstPart());
    // Part 2 is held (never answered) until the reload, so the page surely goes away with it unsent.
    const partTwo = (url: URL) => url.searchParams.get("partNumber") === "2";
    await page.route(partTwo, () => undefined);
    // 11 MiB in parts of 5 MiB, one at a time: the page goes away once the first part is stored.
    const interrupted = page
      .evaluate(async (session) => {
        const client = new window.Media.MediaClient({ apiUrl: "", session });
        const bytes = new Uint8Array(11 * 1024 * 1024).map((_, i) => (i * 31 + 7) & 255);
        await client.upload(new File([bytes], "long.wav", { type: "audio/wav" }), {
          method: "multipart",
          partConcurrency: 1,
          onAuthorised: (answer) => window.reportFileId(answer.fileId),
          onPart: (part) => window.reportPart(part.partNumber),
        });
      }, session)
      .then(
        () => "finished",
        () => "interrupted",
      );
    await partArrived;
    await clientPage(page); // the reload: the page and its requests in flight are gone
    // Only now: unrouted earlier, the held request would be let through.
    await page.unroute(partTwo);
    expect(await interrupted).toBe("interrupted");

    const id = await fileId;
    const resumed = await page.evaluate(
      async ({ session, id }) => {
        const client = new window.Media.MediaClient({ apiUrl: "", session });
        const bytes = new Uint8Array(11 * 1024 * 1024).map((_, i) => (i * 31 + 7) & 255);
        const parts: number[] = [];
        const seen: number[] = [];
        const result: UploadResult = await client.resumeUpload(id, new File([bytes], "long.wav", { type: "audio/wav" }), { onPart: (p) => parts.push(p.partNumber), onProgress: (p) => seen.push(p.loaded) });
        const stored = await client.getFile(id);
        return { method: result.method, parts, first: seen[0], last: seen.at(-1), size: stored.size };
      },
      { session, id },
    );
    expect(resumed.method).toBe("multipart");
    expect(resumed.parts.sort()).toEqual([2, 3]);
    // Progress starts from what storage already held: the first part's 5 MiB.
    expect(resumed.first).toBe(5 * MiB);
    expect(resumed.last).toBe(11 * MiB);
    expect(resumed.size).toBe(11 * MiB);
    await page.close();
  });
});
