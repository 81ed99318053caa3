import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedFetch } from "@media/testing/openapi-responses";
import { authenticator, type Authenticator } from "@media/testing/authenticator";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { wavHeader } from "@media/testing/minimal-media";
import { runCli } from "../src/cli/main";
import { MediaApiError, MediaClient, MfaRequiredError, StorageError, type PresignUploadResponse, type UploadProgress } from "../src/index";

/**
 * The client's MFA login and its PUT and multipart uploads against `npm start`'s runtime, every API
 * answer checked against the OpenAPI document and every PUT to storage counted (part number, bytes).
 */
const MiB = 1024 * 1024;
const sha = (b: ArrayBuffer | Buffer) => createHash("sha256").update(Buffer.from(b as ArrayBuffer)).digest("hex");
const email = `erin-${Date.now()}@example.com`;
const password = "Erin-pass-12!";
let work: string;
let local: LocalProcess;
let client: MediaClient;
let app: Authenticator;

/** PUTs that storage took: what a resume is judged by. */
interface Sent {
  partNumber: number | undefined;
  bytes: number;
}
let sent: Sent[] = [];
/** Set by a test to refuse a part without sending it, as storage would. */
let refusePart: number | undefined;
/** Parts answered 503 once (storage busy), to be retried; each is removed when it has failed once. */
const flakyParts = new Set<number>();

function storageFetch(apiUrl: string): typeof fetch {
  const checked = checkedFetch(apiUrl);
  return async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (init?.method === "PUT") {
      const partNumber = url.searchParams.has("partNumber") ? Number(url.searchParams.get("partNumber")) : undefined;
      if (partNumber !== undefined && partNumber === refusePart) {
        await (init.body as ReadableStream | undefined)?.cancel();
        return new Response("<Error><Code>AccessDenied</Code><Message>refused by the test</Message></Error>", { status: 400 });
      }
      if (partNumber !== undefined && flakyParts.delete(partNumber)) {
        await (init.body as ReadableStream | undefined)?.cancel();
        return new Response("<Error><Code>SlowDown</Code><Message>busy</Message></Error>", { status: 503 });
      }
      const response = await checked(input, init);
      // Counted once stored: a send that a busy machine's storage dropped is retried by the client, and
      // the retry, not the drop, is what a resume is judged by.
      if (response.ok) sent.push({ partNumber, bytes: Number((init.headers as Record<string, string>)["content-length"]) });
      return response;
    }
    return checked(input, init);
  };
}

/**
 * A WAV of `bytes` bytes whose samples vary, so a misplaced part would change the hash. 48 kHz stereo: a
 * minute of sound for 12 MiB (8 kHz mono would make it 13, for the runtime's renditions to encode).
 */
function bigWav(bytes: number): Buffer {
  const data = Buffer.alloc(bytes - 44);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
  return Buffer.concat([wavHeader(data.length, 48_000, 2), data]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "media-client-large-"));
  local = await startLocalProcess({ DATA_DIR: join(work, "data") });
  client = new MediaClient({ apiUrl: local.url, fetch: storageFetch(local.url) });
  await client.signUp({ email, password });
  const outbox = (await (await fetch(`${local.url}/_local/outbox?to=${encodeURIComponent(email)}`)).json()) as { messages: Array<{ code: string }> };
  await client.confirm({ email, code: outbox.messages.at(-1)!.code });
  await client.login(email, password);
});

afterAll(async () => {
  await local?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("MediaClient: MFA at login", () => {
  it("turns MFA on, then signs in in two steps: MfaRequiredError, then its challenge's respond(code)", async () => {
    const { secret } = await client.transport.json<{ secret: string }>("POST", "/me/mfa/totp");
    app = authenticator(secret);
    await client.transport.request("POST", "/me/mfa/totp/verify", { json: { code: await app.nextCode() } });

    const twoSteps = new MediaClient({ apiUrl: local.url, fetch: checkedFetch(local.url) });
    const refused = await twoSteps.login(email, password).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MfaRequiredError);
    const challenge = (refused as MfaRequiredError).challenge;
    expect(twoSteps.session).toBeUndefined();
    await expect(challenge.respond(await app.wrongCode())).rejects.toBeInstanceOf(MediaApiError);
    // A wrong code leaves the challenge open: the right one still finishes the login.
    const session = await challenge.respond(await app.nextCode());
    expect(session.refreshToken).toBeTruthy();
    expect((await twoSteps.me()).email).toBe(email);
  });
});

describe("MediaClient: PUT and multipart uploads", () => {
  it("uploads by PUT with the SHA-256 storage checks", async () => {
    const bytes = bigWav(256 * 1024);
    const path = join(work, "put.wav");
    await writeFile(path, bytes);
    sent = [];
    const progress: UploadProgress[] = [];
    const result = await client.upload(path, { method: "put", onProgress: (p) => progress.push(p) });
    expect(result.method).toBe("put");
    expect(sent).toEqual([{ partNumber: undefined, bytes: bytes.length }]);
    expect(progress.at(-1)).toEqual({ fileId: result.fileId, loaded: bytes.length, total: bytes.length });
    expect((await client.waitUntilReady(result.fileId)).status).toBe("ready");
    expect(sha(await (await client.download(result.fileId)).arrayBuffer())).toBe(sha(bytes));
  });

  it("uploads a file above the threshold in parts, in parallel, a busy part retried, with progress across them", async () => {
    const bytes = bigWav(12 * MiB);
    const path = join(work, "multipart.wav");
    await writeFile(path, bytes);
    sent = [];
    flakyParts.add(3);
    const progress: number[] = [];
    const result = await client.upload(path, { multipartThreshold: 8 * MiB, onProgress: (p) => progress.push(p.loaded) });
    expect(result.method).toBe("multipart");
    // The service chose 5 MiB parts: 5 + 5 + 2.
    expect(sent.map((s) => [s.partNumber, s.bytes]).sort(([a], [b]) => a! - b!)).toEqual([[1, 5 * MiB], [2, 5 * MiB], [3, 2 * MiB]]);
    // Part 3's 503 came back before any of its bytes were counted, and it was sent again.
    expect(flakyParts.size).toBe(0);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(bytes.length);
    // Summed across parts in flight: it never goes back (the retried part had counted nothing).
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
    const file = await client.waitUntilReady(result.fileId);
    expect(file).toMatchObject({ status: "ready", size: bytes.length });
    expect(sha(await (await client.download(result.fileId)).arrayBuffer())).toBe(sha(bytes));
  });

  it("resumes an interrupted multipart upload from its fileId, sending only the missing part", async () => {
    const bytes = bigWav(12 * MiB + 12345);
    const path = join(work, "resumed.wav");
    await writeFile(path, bytes);
    sent = [];
    refusePart = 2;
    let authorisation: PresignUploadResponse | undefined;
    const failed = await client.upload(path, { multipartThreshold: 8 * MiB, onAuthorised: (a) => void (authorisation = a) }).catch((e: unknown) => e);
    refusePart = undefined;
    expect(failed).toBeInstanceOf(StorageError);
    expect(sent.map((s) => s.partNumber).sort()).toEqual([1, 3]);
    const fileId = authorisation!.fileId;
    expect((await client.getFile(fileId)).status).toBe("pending");

    sent = [];
    const progress: number[] = [];
    const result = await client.resumeUpload(fileId, path, { onProgress: (p) => progress.push(p.loaded) });
    expect(sent).toEqual([{ partNumber: 2, bytes: 5 * MiB }]);
    // Progress starts from what storage already held.
    expect(progress[0]).toBe(bytes.length - 5 * MiB);
    expect(progress.at(-1)).toBe(bytes.length);
    expect((await client.waitUntilReady(result.fileId)).status).toBe("ready");
    expect(sha(await (await client.download(fileId)).arrayBuffer())).toBe(sha(bytes));
  });

  it("resumes by the kept authorisation too (the media tool's journal), listing the parts first", async () => {
    const bytes = bigWav(11 * MiB);
    const path = join(work, "journal.wav");
    await writeFile(path, bytes);
    refusePart = 1;
    let authorisation: PresignUploadResponse | undefined;
    await expect(client.upload(path, { multipartThreshold: 8 * MiB, onAuthorised: (a) => void (authorisation = a) })).rejects.toBeInstanceOf(StorageError);
    refusePart = undefined;
    sent = [];
    const result = await client.upload(path, { resume: authorisation!, multipartThreshold: 8 * MiB });
    expect(result).toMatchObject({ fileId: authorisation!.fileId, method: "multipart" });
    expect(sent).toEqual([{ partNumber: 1, bytes: 5 * MiB }]);
    expect((await client.waitUntilReady(result.fileId)).status).toBe("ready");
  });

  it("cancels a multipart upload: the upload aborted and the reservation given back", async () => {
    const path = join(work, "cancelled.wav");
    await writeFile(path, bigWav(11 * MiB));
    const abort = new AbortController();
    const upload = client.upload(path, { multipartThreshold: 8 * MiB, signal: abort.signal, onPart: () => abort.abort() });
    await expect(upload).rejects.toMatchObject({ name: "UploadCancelledError" });
    expect((await client.me()).usage.reservedBytes).toBe(0);
  });
});

/**
 * Last, so the uploads above pass the time until the authenticator's next code is accepted. The tool
 * answers the challenge through `login`'s `mfaCode` callback, which this covers too.
 */
describe("media login with MFA", () => {
  it("refuses without a code (exit 3) and signs in with --code", async () => {
    // In this process through the bin's own entry (cli.test.ts spawns the bin itself).
    const run = async (args: string[]) => {
      let out = "";
      const write = (text: string) => (out += text);
      const code = await runCli(args, {
        stdin: Readable.from([]),
        stdout: { write },
        stderr: { write },
        env: { MEDIA_API_URL: local.url, MEDIA_PASSWORD: password },
        configDir: join(work, "config", "media"),
      });
      return { code, out };
    };
    const without = await run(["login", email]);
    expect(without.code).toBe(3);
    expect(without.out).toContain("MFA on");
    const login = await run(["login", email, "--code", await app.nextCode()]);
    expect(login.code, login.out).toBe(0);
    expect((await run(["me", "--json"])).out).toContain(email);
  });
});
