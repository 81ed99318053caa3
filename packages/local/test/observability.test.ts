import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { pngFixture, wavFixture } from "@media/testing/minimal-media";

/**
 * Logs and metrics of a real flow through `npm start`'s entry point: sign-up, two uploads (one the
 * indexer accepts, one it rejects), then what the process printed and what `GET /_local/metrics` says.
 * Its stdout is a pipe here, so the lines are the JSON ones a log shipper would read.
 */
let dataDir: string;
let local: LocalProcess;
let api: ReturnType<typeof apiClient>;

const user = { email: `obs-${Date.now()}@example.com`, password: "Obs-pass-123!" };
const png = pngFixture(8, 6);
const wav = wavFixture(0.1);

let session: { token: string; refreshToken: string; userId: string };
let accepted: { fileId: string; requestId: string; signature: string; policy: string; credential: string };
let rejectedId = "";

/** `name{labels} value` lines of the Prometheus text format, as numbers. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${local.url}/_local/metrics`);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-obs-"));
  local = await startLocalProcess({ DATA_DIR: dataDir });
  api = apiClient(local.url);
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("observability of the local runtime", () => {
  it("serves every metric at /_local/metrics in Prometheus text format, at zero before anything happened", async () => {
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const counters = ["media_uploads_presigned_total", "media_files_indexed_total", "media_files_rejected_total", "media_bytes_stored_total"];
    for (const name of [...counters, "media_renditions_made_total", "media_renditions_failed_total", "media_rendition_bytes_total"]) {
      expect(text).toContain(`# TYPE ${name} counter`);
      expect(samples(text).get(name), name).toBe(0);
    }
    for (const histogram of ["media_index_latency_seconds", "media_rendition_seconds"]) {
      expect(text).toContain(`# TYPE ${histogram} histogram`);
      expect(samples(text).get(`${histogram}_count`)).toBe(0);
    }
  });

  it("runs a real flow: one upload indexed, one rejected for content that is not what was declared", async () => {
    session = await api.signUpAndLogin(user.email, user.password);
    const presign = await api.call("POST", "/upload", { token: session.token, json: { fileName: "dot.png", contentType: "image/png", size: png.length } });
    expect(presign.status).toBe(201);
    const fields = presign.body.upload.fields as Record<string, string>;
    accepted = {
      fileId: presign.body.fileId,
      requestId: presign.headers.get("apigw-requestid") ?? "",
      signature: fields["X-Amz-Signature"]!,
      policy: fields.Policy!,
      credential: fields["X-Amz-Credential"]!,
    };
    expect(accepted.requestId).not.toBe("");
    expect((await api.uploadTo(presign.body.upload, png, "image/png", "dot.png")).status).toBeLessThan(300);
    expect(await api.waitForStatus(session.token, accepted.fileId)).toMatchObject({ status: "ready" });

    // Declared a PNG, sent a WAV with the PNG's Content-Type: storage takes it, the indexer does not.
    const disguised = await api.call("POST", "/upload", { token: session.token, json: { fileName: "fake.png", contentType: "image/png", size: wav.length } });
    expect(disguised.status).toBe(201);
    rejectedId = disguised.body.fileId;
    expect((await api.uploadTo(disguised.body.upload, wav, "image/png", "fake.png")).status).toBeLessThan(300);
    expect(await api.waitForStatus(session.token, rejectedId)).toMatchObject({ status: "rejected" });
    // The status changes before the indexer's invocation ends; its "indexed" line is written together
    // with its metrics (indexer.ts), so once both lines are out, both files are counted.
    for (const fileId of [accepted.fileId, rejectedId]) await local.waitForLine((l) => l.message === "indexed" && l.fileId === fileId);
  });

  it("counts what happened: two presigned, one indexed with its bytes and latency, one rejected", async () => {
    const { text } = await scrape();
    const s = samples(text);
    expect(s.get("media_uploads_presigned_total")).toBe(2);
    expect(s.get("media_files_indexed_total")).toBe(1);
    expect(s.get("media_files_rejected_total")).toBe(1);
    expect(s.get("media_bytes_stored_total")).toBe(png.length);
    // One latency observed: positive, and within the histogram's buckets (le="+Inf" holds every one).
    expect(s.get("media_index_latency_seconds_count")).toBe(1);
    expect(s.get("media_index_latency_seconds_sum")).toBeGreaterThan(0);
    expect(s.get('media_index_latency_seconds_bucket{le="+Inf"}')).toBe(1);
  });

  it("logs the upload's presign and its indexing with the request id, the user's sub and the fileId", () => {
    const lines = local.jsonLines();
    const presigned = lines.find((l) => l.message === "upload presigned" && l.fileId === accepted.fileId);
    expect(presigned).toMatchObject({ level: "INFO", service: "media-storage", requestId: accepted.requestId, awsRequestId: accepted.requestId, sub: session.userId, routeKey: "POST /upload", contentType: "image/png", size: png.length });
    const handled = lines.find((l) => l.message === "request handled" && l.requestId === accepted.requestId);
    expect(handled).toMatchObject({ status: 201, sub: session.userId, fileId: accepted.fileId });

    const indexed = lines.find((l) => l.message === "indexed" && l.fileId === accepted.fileId);
    expect(indexed).toMatchObject({ level: "INFO", outcome: "ready", sub: session.userId });
    expect(indexed!.messageId).toEqual(expect.any(String));
    expect(indexed!.awsRequestId).toEqual(expect.any(String));
    expect(lines.find((l) => l.message === "indexed" && l.fileId === rejectedId)).toMatchObject({ outcome: "rejected", sub: session.userId });
  });

  it("never prints the password, the confirmation code, a token, or the upload policy's signature and credential", async () => {
    const out = local.output();
    const outbox = await api.call("GET", `/_local/outbox?to=${encodeURIComponent(user.email)}`);
    const code = String(outbox.body.messages.at(-1).code);
    expect(code).toMatch(/^\d{6}$/);
    expect(out).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    expect(out).toContain('"message":"email sent"');
    for (const [what, secret] of Object.entries({
      password: user.password,
      accessToken: session.token,
      tokenSignature: session.token.split(".")[2]!,
      refreshToken: session.refreshToken,
      signature: accepted.signature,
      policy: accepted.policy,
      credential: accepted.credential,
    })) {
      expect(out.includes(secret), what).toBe(false);
    }
  });
});
