import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { partPlan } from "@media/core/multipart";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { browserWithRuntimePerFile } from "@media/testing/browser-runtime";

/**
 * The service's multipart API fits Uppy's S3 plugin (`@uppy/aws-s3` 5.x, the release whose signing
 * functions are `createMultipartUpload`, `signPart`, `listParts`, `completeMultipartUpload`,
 * `abortMultipartUpload`; 6.x signs raw S3 requests instead, which would skip the service's own checks).
 * The real plugin runs in headless Chromium on the web app's origin against `npm start`'s runtime; each
 * signing function is one plain `fetch` of the HTTP contract, nothing of ours in between: an upload
 * completes, one interrupted by a reload is resumed Golden-Retriever style (the plugin lists the parts
 * and sends only the missing ones), and a cancel aborts it and gives the reservation back.
 */
const here = dirname(fileURLToPath(import.meta.url));
const SIZE = 11 * 1024 * 1024;
// Uppy cuts the parts itself: it must cut them where the service planned them (their URLs bind each length).
const PART_SIZE = partPlan(SIZE).partSize;

const started = browserWithRuntimePerFile("uppy");
let bundle: string;
let token: string;

/** The page's side: Uppy with the plugin wired to the HTTP contract, and what the plugin asked for. */
const SETUP = `
window.startUppy = ({ token, partSize, size, name, restore, onPart }) => {
  const calls = [];
  const api = async (method, path, body) => {
    const res = await fetch(path, { method, headers: { authorization: "Bearer " + token, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(method + " " + path + ": " + res.status + " " + (await res.text()));
    return res.status === 204 ? undefined : res.json();
  };
  // The key is users/{sub}/{fileId}: the fileId is its last segment.
  const fileIdOf = (key) => key.split("/").pop();
  const uppy = new UppyBundle.Uppy({ autoProceed: false });
  uppy.use(UppyBundle.AwsS3, {
    shouldUseMultipart: true,
    limit: 1,
    getChunkSize: () => partSize,
    async createMultipartUpload(file) {
      calls.push("create");
      const answer = await api("POST", "/upload", { fileName: file.name, contentType: file.type, size: file.size, method: "multipart" });
      return { uploadId: answer.multipart.uploadId, key: answer.key };
    },
    async signPart(file, { key, partNumber }) {
      calls.push("sign " + partNumber);
      const signed = await api("POST", "/files/" + fileIdOf(key) + "/parts", { partNumbers: [partNumber] });
      return { url: signed.parts[0].url };
    },
    async listParts(file, { key }) {
      calls.push("list");
      const listed = await api("GET", "/files/" + fileIdOf(key) + "/parts");
      return listed.parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.eTag, Size: p.size }));
    },
    async completeMultipartUpload(file, { key, parts }) {
      calls.push("complete");
      const stored = await api("POST", "/files/" + fileIdOf(key) + "/complete", { parts: parts.map((p) => ({ partNumber: p.PartNumber, eTag: p.ETag })) });
      return { location: stored.fileUrl ?? "", fileId: stored.fileId, size: stored.size };
    },
    async abortMultipartUpload(file, { key }) {
      calls.push("abort");
      await api("DELETE", "/files/" + fileIdOf(key));
      window.aborted?.(fileIdOf(key));
    },
  });
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 255);
  const id = uppy.addFile({ name, type: "audio/wav", data: new Blob([bytes], { type: "audio/wav" }) });
  if (restore) uppy.setFileState(id, { s3Multipart: restore });
  uppy.on("s3-multipart:part-uploaded", (file, part) => onPart && window[onPart]?.({ partNumber: part.PartNumber, state: uppy.getFile(file.id).s3Multipart }));
  window.uppy = uppy;
  return { calls, done: uppy.upload() };
};
`;

beforeAll(async () => {
  const built = await build({
    stdin: { contents: `import Uppy from "@uppy/core"; import AwsS3 from "@uppy/aws-s3"; export { Uppy, AwsS3 };`, resolveDir: resolve(here, ".."), loader: "js" },
    bundle: true,
    format: "iife",
    globalName: "UppyBundle",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  bundle = `${built.outputFiles[0]!.text}\n${SETUP}`;
  token = (await apiClient(started().runtime.url).signUpAndLogin(`uppy-${Date.now()}@example.com`, "Uppy-pass-12!")).token;
});

const uppyPage = (page?: Page): Promise<Page> => started().pageWith(bundle, page);

type Outcome = { calls: string[]; successful: Array<{ fileId: string; size: number }>; failed: string[] };

/** Runs an upload in the page to its end: what the plugin asked for, and what it reported. */
function upload(page: Page, options: { name: string; restore?: { uploadId: string; key: string }; onPart?: string }): Promise<Outcome> {
  return page.evaluate(
    async (o) => {
      const { calls, done } = window.startUppy(o);
      const result = await done;
      return {
        calls,
        successful: (result?.successful ?? []).map((f) => ({ fileId: f.response?.body?.fileId ?? "", size: f.response?.body?.size ?? 0 })),
        failed: (result?.failed ?? []).map((f) => String(f.error)),
      };
    },
    { token, partSize: PART_SIZE, size: SIZE, ...options },
  );
}

async function getFile(fileId: string) {
  return apiClient(started().runtime.url).call("GET", `/files/${fileId}`, { token });
}

describe("@uppy/aws-s3 against the service's multipart API (headless Chromium)", () => {
  it("uploads a file in the service's parts: created, each part signed, completed", async () => {
    const page = await uppyPage();
    const outcome = await upload(page, { name: "whole.wav" });
    expect(outcome.failed).toEqual([]);
    expect(outcome.calls).toEqual(["create", "sign 1", "sign 2", "sign 3", "complete"]);
    expect(outcome.successful).toHaveLength(1);
    const stored = await getFile(outcome.successful[0]!.fileId);
    expect(stored.status).toBe(200);
    expect(stored.body.size).toBe(SIZE);
    await page.close();
  });

  it("resumes after a reload from the plugin's remembered state: lists the parts and sends only the missing ones", async () => {
    const page = await uppyPage();
    let firstPart!: (state: { uploadId: string; key: string }) => void;
    const remembered = new Promise<{ uploadId: string; key: string }>((resolve) => (firstPart = resolve));
    await page.exposeFunction("partUploaded", (part: { state: { uploadId: string; key: string } }) => firstPart(part.state));
    // Part 2 is held (never answered) until the reload, so the page surely goes away with it unsent.
    const partTwo = (url: URL) => url.searchParams.get("partNumber") === "2";
    await page.route(partTwo, () => undefined);
    const interrupted = upload(page, { name: "interrupted.wav", onPart: "partUploaded" }).then(
      () => "finished",
      () => "interrupted",
    );
    const state = await remembered;
    await uppyPage(page);
    // Only now: unrouted earlier, the held request would be let through.
    await page.unroute(partTwo);
    expect(await interrupted).toBe("interrupted");

    const outcome = await upload(page, { name: "interrupted.wav", restore: { uploadId: state.uploadId, key: state.key } });
    expect(outcome.failed).toEqual([]);
    expect(outcome.calls).toEqual(["list", "sign 2", "sign 3", "complete"]);
    const fileId = state.key.split("/").pop()!;
    expect(outcome.successful[0]!.fileId).toBe(fileId);
    expect((await getFile(fileId)).body.size).toBe(SIZE);
    await page.close();
  });

  it("a cancel aborts the upload: the pending file is gone and its reservation given back", async () => {
    const page = await uppyPage();
    let firstPart!: () => void;
    const partArrived = new Promise<void>((resolve) => (firstPart = resolve));
    let aborted!: (fileId: string) => void;
    const abortDone = new Promise<string>((resolve) => (aborted = resolve));
    await page.exposeFunction("partUploaded", () => firstPart());
    await page.exposeFunction("aborted", (fileId: string) => aborted(fileId));
    void upload(page, { name: "cancelled.wav", onPart: "partUploaded" }).catch(() => undefined);
    await partArrived;
    await page.evaluate(() => (window as unknown as { uppy: { cancelAll(): void } }).uppy.cancelAll());
    const fileId = await abortDone;
    expect((await getFile(fileId)).status).toBe(404);
    const me = await apiClient(started().runtime.url).call("GET", "/me", { token });
    expect(me.body.usage.reservedBytes).toBe(0);
    await page.close();
  });
});

declare global {
  interface Window {
    startUppy(options: { token: string; partSize: number; size: number; name: string; restore?: { uploadId: string; key: string }; onPart?: string }): {
      calls: string[];
      done: Promise<{ successful?: Array<{ response?: { body?: { fileId?: string; size?: number } } }>; failed?: Array<{ error?: string }> } | undefined>;
    };
  }
}
