import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newFileId } from "@media/core/ids";
import type { MediaRecord } from "@media/core/media-record";
import { requestOwedRenditions } from "@media/core/renditions/backfill";
import { RenditionRequestSchema } from "@media/core/renditions/render";
import { buildRecoveryServices, type RecoveryServices } from "../recovery-services";

/**
 * The SQS path of the renditions backfill (`npm run reindex --aws` with RenditionQueueUrl): the recovery
 * services' SQS client, built as on AWS, sends the request to the queue URL's host (the SDK calls the
 * queue's own URL), here an HTTP server that records what arrives. What it records must be what the renditions
 * function reads (its body schema) and what the topic's subscription lets through (the `type` attribute).
 * No SQS emulator runs here: the server answers SendMessage alone, as SQS's JSON protocol does.
 */
interface Sent {
  target: string;
  input: { QueueUrl: string; MessageBody: string; MessageAttributes?: Record<string, { DataType: string; StringValue?: string }> };
}

let queueUrl: string;
const OWNER = "11111111-1111-4111-8111-111111111111";
const sent: Sent[] = [];
let server: Server;
let services: RecoveryServices;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((text) => {
      const input = JSON.parse(text) as Sent["input"];
      sent.push({ target: String(req.headers["x-amz-target"]), input });
      // The SDK checks the body's MD5 against the answer's, as it would SQS's.
      const md5 = createHash("md5").update(input.MessageBody).digest("hex");
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ MessageId: `m${sent.length}`, MD5OfMessageBody: md5 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  queueUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/000000000000/media-renditions`;
  services = buildRecoveryServices({
    region: "us-east-1",
    tableName: "media-test",
    bucketName: "media-test",
    renditionQueueUrl: queueUrl,
    credentials: { accessKeyId: "test", secretAccessKey: "test-secret" },
  });
});
afterAll(async () => {
  services?.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function readyRecord(overrides: Partial<MediaRecord>): MediaRecord {
  return {
    userId: OWNER,
    fileId: newFileId(),
    fileName: "track.flac",
    contentType: "audio/flac",
    kind: "audio",
    size: 40_000_000,
    status: "ready",
    uploadedAt: new Date().toISOString(),
    eTag: "e1",
    metadata: { format: "flac", durationSeconds: 240 },
    ...overrides,
  };
}

describe("the renditions backfill on SQS (reindex --aws)", () => {
  it("sends an owed file's request to the renditions queue, as the function and the topic's filter read it", async () => {
    const owed = readyRecord({});
    const records = new Map([[owed.fileId, owed]]);
    const deps = { repo: { get: async (_userId: string, fileId: string) => records.get(fileId) }, renditions: services.reindexDeps().renditions! };

    expect(await requestOwedRenditions(deps, OWNER, owed.fileId, false)).toBe("queued");
    expect(sent).toHaveLength(1);
    const [message] = sent;
    expect(message!.target).toBe("AmazonSQS.SendMessage");
    expect(message!.input.QueueUrl).toBe(queueUrl);
    expect(RenditionRequestSchema.parse(JSON.parse(message!.input.MessageBody))).toEqual({ type: "media.ready", userId: OWNER, fileId: owed.fileId, key: `users/${OWNER}/${owed.fileId}` });
    expect(message!.input.MessageAttributes).toEqual({ type: { DataType: "String", StringValue: "media.ready" } });
  });

  it("sends nothing for a dry run, nor for a file whose renditions exist or that needs none", async () => {
    sent.length = 0;
    const owed = readyRecord({});
    const made = readyRecord({ renditions: { status: "ready", eTag: "e1", streamKey: "s", waveformKey: "w", bytes: 1, at: new Date().toISOString() } });
    const small = readyRecord({ fileName: "dot.png", contentType: "image/png", kind: "image", size: 100, metadata: { format: "png", width: 10, height: 10 } });
    const records = new Map([owed, made, small].map((r) => [r.fileId, r]));
    const deps = { repo: { get: async (_userId: string, fileId: string) => records.get(fileId) }, renditions: services.reindexDeps().renditions! };

    // SQS cannot say whether a request already waits: a dry run says it would queue.
    expect(await requestOwedRenditions(deps, OWNER, owed.fileId, true)).toBe("would-queue");
    expect(await requestOwedRenditions(deps, OWNER, made.fileId, false)).toBeUndefined();
    expect(await requestOwedRenditions(deps, OWNER, small.fileId, false)).toBeUndefined();
    expect(sent).toEqual([]);
  });
});
