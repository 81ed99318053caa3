import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "@media/testing/api-client";
import { startLocalProcess, type LocalProcess } from "@media/testing/runtime-process";
import { wavFixture } from "@media/testing/minimal-media";

/**
 * An upload that storage accepted is indexed even when the process dies before the indexer ran: the
 * event is on the durable queue before storage answers. The longest batching window the runtime takes
 * (Lambda's, 300 s) keeps the event queued until the kill, a few requests later, however busy the machine.
 */
let dataDir: string;
let local: LocalProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "media-crash-"));
});
afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("crash recovery", () => {
  it("indexes after a restart an upload accepted before a SIGKILL", async () => {
    local = await startLocalProcess({ DATA_DIR: dataDir, INDEX_BATCH_WINDOW_SECONDS: "300" });
    let api = apiClient(local.url);
    const email = `crash-${Date.now()}@example.com`;
    const password = "Crash-pass-1!";
    const { token } = await api.signUpAndLogin(email, password);
    const wav = wavFixture(0.1);
    const presign = await api.call("POST", "/upload", { token, json: { fileName: "x.wav", contentType: "audio/wav", size: wav.length } });
    expect((await api.uploadTo(presign.body.upload, wav, "audio/wav")).status).toBe(204);
    expect((await api.call("GET", `/files/${presign.body.fileId}`, { token })).body.status).toBe("pending");

    expect(await local.stop("SIGKILL")).toBe(null);
    local = await startLocalProcess({ DATA_DIR: dataDir, INDEX_BATCH_WINDOW_SECONDS: "0" });
    api = apiClient(local.url);
    const fresh = (await api.call("POST", "/login", { json: { email, password } })).body.token as string;
    const file = await api.waitForStatus(fresh, presign.body.fileId);
    expect(file.status).toBe("ready");
    expect((await api.call("GET", "/me", { token: fresh })).body.usage.files).toBe(1);
  });
});
