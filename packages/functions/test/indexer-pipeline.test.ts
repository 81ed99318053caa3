import { randomUUID } from "node:crypto";
import { DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { IndexDeps } from "@media/core/indexing";
import { thumbnailKey } from "@media/core/keys";
import { keysFor, TABLE } from "@media/core/table";
import type { S3EventRecord } from "@media/local/storage/s3-events";
import { apiEvent, context, sqsEvent, sqsRecord } from "@media/testing/lambda-events";
import { asFunction, startLocalAws, TEST_ENV, type LocalAws } from "@media/testing/local-aws";
import { animated, avif, cameraJpeg, elfExecutable, fixture, html, png, solid, wav } from "@media/testing/media-samples";

/**
 * The indexer's pipeline against local S3, DynamoDB and SNS, driven as SQS drives it: uploads go through
 * real presigned POSTs (whose policy binds the declared type but cannot see the content), S3's own event
 * records reach the real handler, and the outcome is read back through the API handlers.
 */
let aws: LocalAws;
let indexer: typeof import("../src/indexer").handler;
let deps: IndexDeps;
type ApiHandler = (e: ReturnType<typeof apiEvent>, c: ReturnType<typeof context>) => Promise<APIGatewayProxyStructuredResultV2>;
const api: Record<string, ApiHandler> = {};

beforeAll(async () => {
  aws = await startLocalAws({ maxFileBytes: 5_000_000, quotaBytes: 200_000_000 });
  // Each runs as its own function, holding its role's policy from the stacks.
  for (const name of ["upload", "get-file", "delete-file", "list-parts", "sign-parts", "complete-upload"]) api[name] = asFunction(`api/${name}`, ((await import(`../src/api/${name}.ts`)) as { handler: ApiHandler }).handler);
  indexer = asFunction("indexer", (await import("../src/indexer")).handler);
  deps = (await import("../src/indexer-services")).indexerDeps();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await aws?.stop();
});

async function call(name: string, options: Parameters<typeof apiEvent>[0]) {
  const res = await api[name]!(apiEvent(options), context(name));
  return { status: res.statusCode!, body: res.body ? JSON.parse(res.body) : undefined };
}

/**
 * Presigns an upload of `declared` bytes; `post` sends bytes with the policy's fields (as often as a test
 * likes: the policy stays valid) and returns the S3 event record that POST produced (not yet delivered).
 */
async function presignPost(userId: string, contentType: string, declared: number, fileName = "f") {
  const presign = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName, contentType, size: declared } });
  expect(presign.status, JSON.stringify(presign.body)).toBe(201);
  const key = presign.body.key as string;
  const post = async (bytes: Buffer) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(presign.body.upload.fields as Record<string, string>)) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(bytes)], { type: contentType }), fileName);
    const res = await fetch(presign.body.upload.url, { method: "POST", body: form });
    expect(res.status).toBeLessThan(300);
    const event = aws.s3Events.splice(0).find((r) => decodeURIComponent(r.s3.object.key) === key);
    expect(event).toBeDefined();
    return event!;
  };
  return { fileId: presign.body.fileId as string, key, post };
}

/** Uploads through a presigned POST and returns the S3 event record it produced (not yet delivered). */
async function upload(userId: string, bytes: Buffer, contentType: string, fileName = "f") {
  const { fileId, key, post } = await presignPost(userId, contentType, bytes.length, fileName);
  return { fileId, key, event: await post(bytes) };
}

const deliver = (...records: S3EventRecord[]) => indexer(sqsEvent(records.map((r) => sqsRecord({ Records: [r] }))));
const file = async (userId: string, fileId: string) => call("get-file", { method: "GET", path: `/files/${fileId}`, pathParameters: { fileId }, userId });
const eventsFor = (fileId: string) => aws.events.filter((e) => e.fileId === fileId).map((e) => e.type);
const usage = (userId: string) => deps.repo.usage(userId, Date.now());

async function exists(key: string): Promise<boolean> {
  try {
    await aws.s3.send(new HeadObjectCommand({ Bucket: TEST_ENV.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as Error).name === "NotFound") return false;
    throw error;
  }
}
async function derivedKeys(userId: string): Promise<string[]> {
  const out = await aws.s3.send(new ListObjectsV2Command({ Bucket: TEST_ENV.bucket, Prefix: `derived/${userId}/` }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

describe("each allowed type", () => {
  it("is described from its content, with a thumbnail served through a presigned URL where there is a picture", async () => {
    const userId = randomUUID();
    const cases: Array<[string, Buffer, string, Record<string, unknown>, boolean]> = [
      ["camera.jpg", await cameraJpeg(), "image/jpeg", { format: "jpeg", width: 200, height: 400, orientation: 6, takenAt: "2024-05-17T14:03:09+02:00", cameraMake: "Canon", cameraModel: "Canon EOS 5D Mark IV" }, true],
      ["still.png", await png(640, 480), "image/png", { format: "png", width: 640, height: 480 }, true],
      ["anim.gif", await animated("gif"), "image/gif", { format: "gif", width: 60, height: 40 }, true],
      ["anim.webp", await animated("webp"), "image/webp", { format: "webp", width: 60, height: 40 }, true],
      ["still.avif", await avif(64, 48), "image/avif", { format: "avif", width: 64, height: 48 }, true],
      ["still.heic", fixture("still.heic"), "image/heic", { format: "heic", width: 96, height: 64 }, true],
      ["tone.mp3", fixture("tone.mp3"), "audio/mpeg", { format: "mpeg", sampleRate: 22050, channels: 1, title: "Test Tone", artist: "Fixture Band", album: "Fixtures" }, true],
      ["tone.m4a", fixture("tone.m4a"), "audio/x-m4a", { format: "mp4", sampleRate: 22050, title: "Test Tone" }, true],
      ["tone.aac", fixture("tone.aac"), "audio/aac", { format: "aac", sampleRate: 22050, codec: "AAC" }, false],
      ["tone.flac", fixture("tone.flac"), "audio/flac", { format: "flac", durationSeconds: 1, sampleRate: 22050, codec: "FLAC" }, true],
      ["tone.ogg", fixture("tone.ogg"), "audio/ogg", { format: "ogg", durationSeconds: 1, codec: "Vorbis I" }, false],
      ["tone.opus", fixture("tone.opus"), "audio/opus", { format: "opus", durationSeconds: 1, codec: "Opus" }, false],
      ["tone.webm", fixture("tone.webm"), "audio/webm", { format: "webm", codec: "OPUS" }, false],
      ["tone.wav", wav(0.5, 16000, 2), "audio/wav", { format: "wav", durationSeconds: 0.5, sampleRate: 16000, channels: 2, codec: "PCM" }, false],
    ];
    const uploads: Awaited<ReturnType<typeof upload>>[] = [];
    for (const [name, bytes, type] of cases) uploads.push(await upload(userId, bytes, type, name));
    // One batch, as SQS would hand them over.
    expect(await deliver(...uploads.map((u) => u.event))).toEqual({ batchItemFailures: [] });

    for (const [i, [name, bytes, type, metadata, thumbnail]] of cases.entries()) {
      const { fileId } = uploads[i]!;
      const got = await file(userId, fileId);
      expect(got.body, name).toMatchObject({ status: "ready", contentType: type.replace("audio/x-m4a", "audio/mp4"), size: bytes.length, metadata });
      expect(eventsFor(fileId), name).toEqual(["media.ready"]);
      expect(aws.events.find((e) => e.fileId === fileId)!.metadata, name).toEqual(got.body.metadata);
      if (!thumbnail) {
        expect(got.body.thumbnailUrl, name).toBeUndefined();
        continue;
      }
      const res = await fetch(got.body.thumbnailUrl);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toBe("image/webp");
      const thumb = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(thumb.format, name).toBe("webp");
      expect(Math.max(thumb.width!, thumb.height!), name).toBeLessThanOrEqual(320);
    }
    const u = await usage(userId);
    expect(u).toEqual({ files: cases.length, bytes: cases.reduce((n, c) => n + c[1].length, 0), reservedBytes: 0 });
    // Thumbnails live under derived/, which does not notify the queue: writing them made no new events.
    expect(aws.s3Events).toEqual([]);
    expect((await derivedKeys(userId)).sort()).toEqual(cases.flatMap((c, i) => (c[4] ? [thumbnailKey(userId, uploads[i]!.fileId)] : [])).sort());
  });
});

describe("disguises and damage", () => {
  it("rejects each once: object deleted, reason for the owner, no usage, one media.rejected", async () => {
    const userId = randomUUID();
    const jpeg = await solid(400, 300).jpeg().toBuffer();
    const cases: Array<[string, Buffer, string, string]> = [
      ["setup.png", elfExecutable(), "image/png", "The file's content is application/x-elf, which is not an accepted image or audio type."],
      ["page.jpg", html, "image/jpeg", "The file's content is not a recognised image or audio format."],
      ["really-a-png.jpg", await png(), "image/jpeg", "The file's content is image/png, not the declared image/jpeg."],
      ["cut.jpg", jpeg.subarray(0, Math.floor(jpeg.length / 2)), "image/jpeg", "The image is damaged or incomplete and could not be read."],
      ["video.webm", fixture("video.webm"), "audio/webm", "The file holds video, not only audio."],
    ];
    const uploads: Awaited<ReturnType<typeof upload>>[] = [];
    for (const [name, bytes, type] of cases) uploads.push(await upload(userId, bytes, type, name));
    // Every event twice, the duplicates first: S3 delivers at least once and in no particular order.
    const events = uploads.map((u) => u.event);
    expect(await deliver(...[...events].reverse(), ...events)).toEqual({ batchItemFailures: [] });
    expect(await deliver(...events)).toEqual({ batchItemFailures: [] });

    for (const [i, [name, , , reason]] of cases.entries()) {
      const { fileId, key } = uploads[i]!;
      expect((await file(userId, fileId)).body, name).toMatchObject({ status: "rejected", rejectionReason: reason });
      expect(await exists(key), name).toBe(false);
      expect(eventsFor(fileId), name).toEqual(["media.rejected"]);
      expect(aws.events.find((e) => e.fileId === fileId)!.reason, name).toBe(reason);
    }
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await derivedKeys(userId)).toEqual([]);
  });
});

describe("exactly once", () => {
  it("counts a file once whatever the deliveries: duplicates in one batch, concurrent batches, redelivery later", async () => {
    const userId = randomUUID();
    const a = await upload(userId, await png(300, 200), "image/png", "a.png");
    const b = await upload(userId, fixture("tone.mp3"), "audio/mpeg", "b.mp3");
    // Reordered and duplicated within a batch, and the same batch concurrently: the thumbnail is written
    // more than once (same key, same bytes), the record moves once.
    const results = await Promise.all([deliver(b.event, a.event, b.event), deliver(a.event, b.event)]);
    expect(results).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(await deliver(a.event, b.event)).toEqual({ batchItemFailures: [] });
    for (const { fileId } of [a, b]) {
      expect(eventsFor(fileId)).toEqual(["media.ready"]);
      expect((await file(userId, fileId)).body.status).toBe("ready");
    }
    expect(await usage(userId)).toEqual({ files: 2, bytes: a.event.s3.object.size! + b.event.s3.object.size!, reservedBytes: 0 });
    expect((await derivedKeys(userId)).sort()).toEqual([thumbnailKey(userId, a.fileId), thumbnailKey(userId, b.fileId)].sort());
  });

  it("leaves nothing for an event that arrives after the file was deleted, before or after indexing", async () => {
    const userId = randomUUID();
    // Deleted before its event arrived.
    const early = await upload(userId, await png(), "image/png");
    expect((await call("delete-file", { method: "DELETE", path: "/files/x", pathParameters: { fileId: early.fileId }, userId })).status).toBe(204);
    // Indexed, deleted, then the event comes again.
    const late = await upload(userId, await png(), "image/png");
    expect(await deliver(late.event)).toEqual({ batchItemFailures: [] });
    expect(await derivedKeys(userId)).toEqual([thumbnailKey(userId, late.fileId)]);
    expect((await call("delete-file", { method: "DELETE", path: "/files/x", pathParameters: { fileId: late.fileId }, userId })).status).toBe(204);

    expect(await deliver(early.event, late.event, early.event)).toEqual({ batchItemFailures: [] });
    for (const { fileId } of [early, late]) expect((await file(userId, fileId)).status).toBe(404);
    // Deleting a pending upload announces the deletion; it never became ready.
    expect(eventsFor(early.fileId)).toEqual(["media.deleted"]);
    expect(eventsFor(late.fileId)).toEqual(["media.ready", "media.deleted"]);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await derivedKeys(userId)).toEqual([]);
  });

  it("takes an object deleted while its event is handled as gone, not as a failure to retry, under the indexer's own policy", async () => {
    // S3 answers a read of a missing key with 403 unless the reader may list the bucket: the indexer must
    // be able to tell "deleted meanwhile" from "refused", or every such race retries into the DLQ.
    const userId = randomUUID();
    const raced = await upload(userId, await png(), "image/png");
    const readRange = deps.storage.readRange.bind(deps.storage);
    const spy = vi.spyOn(deps.storage, "readRange").mockImplementationOnce(async (key, start, end) => {
      expect((await call("delete-file", { method: "DELETE", path: "/files/x", pathParameters: { fileId: raced.fileId }, userId })).status).toBe(204);
      return readRange(key, start, end);
    });
    try {
      expect(await deliver(raced.event)).toEqual({ batchItemFailures: [] });
    } finally {
      spy.mockRestore();
    }
    expect((await file(userId, raced.fileId)).status).toBe(404);
    expect(eventsFor(raced.fileId)).toEqual(["media.deleted"]);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });

  it("leaves no stray thumbnail when the owner deletes the file while it is being indexed", async () => {
    const userId = randomUUID();
    const remove = (fileId: string) => call("delete-file", { method: "DELETE", path: "/files/x", pathParameters: { fileId }, userId });

    // Deleted during inspection: the object vanishes under the reader, or the thumbnail is written after the delete.
    const during = await upload(userId, await png(500, 400), "image/png");
    const inspect = deps.inspector.inspect.bind(deps.inspector);
    const spyInspect = vi.spyOn(deps.inspector, "inspect").mockImplementation(async (input) => {
      const result = await inspect(input);
      await remove(during.fileId);
      return result;
    });
    expect(await deliver(during.event)).toEqual({ batchItemFailures: [] });
    spyInspect.mockRestore();

    // Deleted between the thumbnail's write and markReady: the delete's sweep of derived/ ran before it.
    const between = await upload(userId, await png(500, 400), "image/png");
    const put = deps.storage.put.bind(deps.storage);
    const spyPut = vi.spyOn(deps.storage, "put").mockImplementation(async (key, body, type) => {
      await remove(between.fileId);
      await put(key, body, type);
    });
    expect(await deliver(between.event)).toEqual({ batchItemFailures: [] });
    spyPut.mockRestore();

    for (const { fileId, key } of [during, between]) {
      expect((await file(userId, fileId)).status).toBe(404);
      expect(await exists(key)).toBe(false);
      expect(eventsFor(fileId)).toEqual(["media.deleted"]);
    }
    expect(await derivedKeys(userId)).toEqual([]);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("cancelled: DELETE on a pending file", () => {
  it("gives its reservation back at once, and removes its object when the upload arrives afterwards", async () => {
    const userId = randomUUID();
    const bytes = await png(60, 40);
    const { fileId, key, post } = await presignPost(userId, "image/png", bytes.length, "late.png");
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: bytes.length });
    expect((await call("delete-file", { method: "DELETE", path: `/files/${fileId}`, pathParameters: { fileId }, userId })).status).toBe(204);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    // The client had the policy and sends the file anyway (S3 accepts it: the policy is still valid).
    const late = await post(bytes);
    expect(await exists(key)).toBe(true);
    expect(await deliver(late, late)).toEqual({ batchItemFailures: [] });
    expect(await exists(key)).toBe(false);
    expect((await file(userId, fileId)).status).toBe(404);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    expect(await derivedKeys(userId)).toEqual([]);
    expect(eventsFor(fileId)).toEqual(["media.deleted"]);
  });
});

describe("failures", () => {
  it("fails only the message whose dependency failed in a batch of ten; a bad file among them is rejected, not retried", async () => {
    const userId = randomUUID();
    const uploads = [];
    for (let i = 0; i < 9; i++) uploads.push(await upload(userId, await solid(80 + i, 60, `#${(i * 17).toString(16).padStart(2, "0")}6699`).png().toBuffer(), "image/png", `p${i}.png`));
    const bad = await upload(userId, elfExecutable(), "image/png", "bad.png");
    const records = [...uploads, bad].map((u) => sqsRecord({ Records: [u.event] }));
    const failing = uploads[4]!;
    const readRange = deps.storage.readRange.bind(deps.storage);
    const spy = vi.spyOn(deps.storage, "readRange").mockImplementation(async (key, start, end) => {
      if (key === failing.key) throw Object.assign(new Error("We encountered an internal error. Please try again."), { name: "InternalError" });
      return readRange(key, start, end);
    });
    const result = await indexer(sqsEvent(records));
    spy.mockRestore();
    expect(records).toHaveLength(10);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[4]!.messageId }]);
    for (const [i, u] of uploads.entries()) expect((await file(userId, u.fileId)).body.status, `p${i}`).toBe(i === 4 ? "pending" : "ready");
    expect((await file(userId, bad.fileId)).body.status).toBe("rejected");

    // SQS redelivers the failed message after its visibility timeout; this time the storage answers.
    expect(await indexer(sqsEvent([sqsRecord({ Records: [failing.event] }, 2)]))).toEqual({ batchItemFailures: [] });
    expect((await file(userId, failing.fileId)).body.status).toBe("ready");
    expect(await usage(userId)).toMatchObject({ files: 9, reservedBytes: 0 });
  });

  it("serves the stored thumbnail bytes: a WebP of the upright picture", async () => {
    const userId = randomUUID();
    const up = await upload(userId, await cameraJpeg(), "image/jpeg", "camera.jpg");
    await deliver(up.event);
    const out = await aws.s3.send(new GetObjectCommand({ Bucket: TEST_ENV.bucket, Key: thumbnailKey(userId, up.fileId) }));
    expect(out.ContentType).toBe("image/webp");
    const meta = await sharp(Buffer.from(await out.Body!.transformToByteArray())).metadata();
    expect(meta).toMatchObject({ format: "webp", width: 160, height: 320 });
    expect(meta.exif).toBeUndefined();
  });
});

describe("a second POST with the same, still valid policy", () => {
  /** Presigns for `declared` bytes and POSTs `bytes`; `again` POSTs other bytes with the same policy fields. */
  async function uploadReusable(userId: string, bytes: Buffer, contentType: string, declared: number) {
    const { fileId, key, post } = await presignPost(userId, contentType, declared, "f.png");
    return { fileId, key, event: await post(bytes), again: post };
  }

  async function thumbnailSize(userId: string, fileId: string) {
    const out = await aws.s3.send(new GetObjectCommand({ Bucket: TEST_ENV.bucket, Key: thumbnailKey(userId, fileId) }));
    const meta = await sharp(Buffer.from(await out.Body!.transformToByteArray())).metadata();
    return [meta.width, meta.height];
  }

  it("inspects an HTML page POSTed over a ready PNG: rejected, object and thumbnail gone, usage as before the upload", async () => {
    const userId = randomUUID();
    const other = await upload(userId, await png(30, 20), "image/png", "other.png");
    await deliver(other.event);
    const before = await usage(userId);

    const up = await uploadReusable(userId, await png(300, 200), "image/png", 100_000);
    expect(await deliver(up.event)).toEqual({ batchItemFailures: [] });
    expect((await file(userId, up.fileId)).body).toMatchObject({ status: "ready", metadata: { width: 300, height: 200 } });
    expect(await exists(thumbnailKey(userId, up.fileId))).toBe(true);

    const replaced = await up.again(html);
    expect(replaced.s3.object.sequencer > up.event.s3.object.sequencer).toBe(true);
    expect(await deliver(replaced, replaced)).toEqual({ batchItemFailures: [] });

    const got = (await file(userId, up.fileId)).body;
    expect(got).toMatchObject({ status: "rejected", rejectionReason: "The file's content is not a recognised image or audio format.", metadata: {} });
    expect(got.thumbnailUrl).toBeUndefined();
    expect(await exists(up.key)).toBe(false);
    expect(await exists(thumbnailKey(userId, up.fileId))).toBe(false);
    expect(eventsFor(up.fileId)).toEqual(["media.ready", "media.rejected"]);
    expect(await usage(userId)).toEqual(before);
    // Both events again, in any order: nothing changes.
    expect(await deliver(up.event, replaced, up.event)).toEqual({ batchItemFailures: [] });
    expect(eventsFor(up.fileId)).toEqual(["media.ready", "media.rejected"]);
    expect(await usage(userId)).toEqual(before);
  });

  it("rejects an HTML page POSTed over a ready PNG even when the first delivery dies part-way (redelivered by SQS)", async () => {
    const crash = () => Promise.reject(Object.assign(new Error("Task timed out"), { name: "TimeoutError" }));
    // Where the Lambda dies: before its transition's write, after it and before the removal of the object
    // and thumbnail, or after the removal and before the announcement is claimed.
    const crashPoints = [
      { name: "at the replacement's write", arm: () => vi.spyOn(deps.repo, "replace").mockImplementationOnce(crash) },
      { name: "at the removal", arm: () => vi.spyOn(deps.storage, "remove").mockImplementationOnce(crash) },
      { name: "at the announcement", arm: () => vi.spyOn(deps.repo, "settle").mockImplementationOnce(crash) },
    ];
    for (const point of crashPoints) {
      const userId = randomUUID();
      const up = await uploadReusable(userId, await png(300, 200), "image/png", 100_000);
      expect(await deliver(up.event)).toEqual({ batchItemFailures: [] });
      const replaced = await up.again(html);

      const spy = point.arm();
      expect((await deliver(replaced)).batchItemFailures, point.name).toHaveLength(1);
      spy.mockRestore();
      expect(await deliver(replaced), point.name).toEqual({ batchItemFailures: [] });

      const got = (await file(userId, up.fileId)).body;
      expect(got.status, point.name).toBe("rejected");
      expect(got.fileUrl ?? got.thumbnailUrl, point.name).toBeUndefined();
      expect(await exists(up.key), point.name).toBe(false);
      expect(await exists(thumbnailKey(userId, up.fileId)), point.name).toBe(false);
      expect(await usage(userId), point.name).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
      // Announced once, by the redelivery when the first delivery died before it could.
      expect(eventsFor(up.fileId), point.name).toEqual(["media.ready", "media.rejected"]);
    }
  });

  it("describes another valid PNG POSTed over a ready one: new dimensions and thumbnail, usage moved by the difference", async () => {
    const userId = randomUUID();
    const small = await png(300, 200);
    const large = await solid(200, 400, "#a33").png({ compressionLevel: 0 }).toBuffer();
    expect(large.length).toBeGreaterThan(small.length);
    const up = await uploadReusable(userId, small, "image/png", large.length);
    await deliver(up.event);
    expect(await usage(userId)).toEqual({ files: 1, bytes: small.length, reservedBytes: 0 });
    expect(await thumbnailSize(userId, up.fileId)).toEqual([300, 200]);

    const replaced = await up.again(large);
    expect(await deliver(replaced)).toEqual({ batchItemFailures: [] });
    expect((await file(userId, up.fileId)).body).toMatchObject({ status: "ready", size: large.length, metadata: { format: "png", width: 200, height: 400 } });
    expect(await thumbnailSize(userId, up.fileId)).toEqual([160, 320]);
    expect(await usage(userId)).toEqual({ files: 1, bytes: large.length, reservedBytes: 0 });
    expect(eventsFor(up.fileId)).toEqual(["media.ready", "media.ready"]);
    expect(aws.events.filter((e) => e.fileId === up.fileId).at(-1)).toMatchObject({ size: large.length, metadata: { width: 200, height: 400 } });
  });

  it("recreates a lost usage item when it describes a replacement, as its own policy allows", async () => {
    // The usage item can be lost (a table restored from an older backup, a hand-edited item): the indexer
    // then writes a fresh one (PutItem), which its role must grant or the event fails until the DLQ.
    const userId = randomUUID();
    const small = await png(300, 200);
    const large = await solid(200, 400, "#3a3").png({ compressionLevel: 0 }).toBuffer();
    const up = await uploadReusable(userId, small, "image/png", large.length);
    expect(await deliver(up.event)).toEqual({ batchItemFailures: [] });
    const admin = new DynamoDBClient({ region: TEST_ENV.region, credentials: TEST_ENV.credentials });
    try {
      await admin.send(
        new DeleteItemCommand({ TableName: process.env.TABLE_NAME!, Key: { [TABLE.partitionKey]: { S: keysFor.userPartition(userId) }, [TABLE.sortKey]: { S: keysFor.usage } } }),
      );
    } finally {
      admin.destroy();
    }
    expect(await deliver(await up.again(large))).toEqual({ batchItemFailures: [] });
    expect((await file(userId, up.fileId)).body).toMatchObject({ status: "ready", size: large.length });
  });

  it("ends in the same state whatever the order and repetition of the two objects' events", async () => {
    const userId = randomUUID();
    const small = await png(300, 200);
    const large = await solid(200, 400, "#a33").png({ compressionLevel: 0 }).toBuffer();
    type Step = Array<"first" | "second">;
    // `indexedFirst`: the original is described before the second POST (otherwise every delivery finds
    // the second object already in place).
    const orders: Array<{ name: string; batches: Step[]; concurrent?: boolean; indexedFirst?: boolean }> = [
      { name: "original indexed, then the replacement twice around a late original", indexedFirst: true, batches: [["second", "first", "second"]] },
      { name: "original indexed, then concurrent batches", indexedFirst: true, batches: [["first", "second"], ["second", "first"], ["second"]], concurrent: true },
      { name: "in order, then both again", batches: [["first"], ["second"], ["second", "first"]] },
      { name: "replacement first, then the original, twice", batches: [["second"], ["first"], ["first", "second"]] },
      { name: "both in one batch, duplicated", batches: [["second", "first", "second", "first"]] },
      { name: "two concurrent batches", batches: [["first", "second"], ["second", "first"]], concurrent: true },
    ];
    for (const order of orders) {
      const before = await usage(userId);
      const up = await uploadReusable(userId, small, "image/png", large.length);
      if (order.indexedFirst) {
        expect(await deliver(up.event)).toEqual({ batchItemFailures: [] });
        expect((await file(userId, up.fileId)).body.metadata, order.name).toMatchObject({ width: 300, height: 200 });
      }
      const events = { first: up.event, second: await up.again(large) };
      // Returns the names whose messages failed (SQS would redeliver them).
      const deliverNamed = async (names: Array<"first" | "second">) => {
        const messages = names.map((name) => ({ name, message: sqsRecord({ Records: [events[name]] }) }));
        const result = await indexer(sqsEvent(messages.map((m) => m.message)));
        return result.batchItemFailures.map((f) => messages.find((m) => m.message.messageId === f.itemIdentifier)!.name);
      };
      const batches = order.batches.map((b) => () => deliverNamed(b));
      const failed = (order.concurrent ? await Promise.all(batches.map((b) => b())) : await sequential(batches)).flat();
      // A delivery that met another replacement under way is retried by SQS: redeliver what failed.
      expect(await deliverNamed(failed), order.name).toEqual([]);
      expect((await file(userId, up.fileId)).body, order.name).toMatchObject({ status: "ready", size: large.length, metadata: { width: 200, height: 400 } });
      expect(await thumbnailSize(userId, up.fileId), order.name).toEqual([160, 320]);
      expect(await usage(userId), order.name).toEqual({ files: before.files + 1, bytes: before.bytes + large.length, reservedBytes: 0 });
      expect(eventsFor(up.fileId).at(-1), order.name).toBe("media.ready");
    }
  });

  it("skips an older event after a replacement was described", async () => {
    const userId = randomUUID();
    const up = await uploadReusable(userId, await png(300, 200), "image/png", 100_000);
    await deliver(up.event);
    const replaced = await up.again(await png(120, 80));
    await deliver(replaced);
    const state = (await file(userId, up.fileId)).body;
    const { indexObject } = await import("@media/core/indexing");
    expect(await indexObject(deps, up.event)).toEqual({ outcome: "skipped", reason: "stale event: a later object is already described" });
    expect(await indexObject(deps, replaced)).toEqual({ outcome: "skipped", reason: "object already described" });
    expect((await file(userId, up.fileId)).body).toEqual({ ...state, fileUrl: expect.any(String), downloadUrl: expect.any(String), thumbnailUrl: expect.any(String) });
    expect(state.metadata).toMatchObject({ width: 120, height: 80 });
    expect(eventsFor(up.fileId)).toEqual(["media.ready", "media.ready"]);
  });

  it("removes an object POSTed over a rejected file; the file stays rejected", async () => {
    const userId = randomUUID();
    const up = await uploadReusable(userId, html, "image/png", 100_000);
    await deliver(up.event);
    expect((await file(userId, up.fileId)).body.status).toBe("rejected");
    const again = await up.again(await png());
    expect(await exists(up.key)).toBe(true);
    expect(await deliver(again, up.event)).toEqual({ batchItemFailures: [] });
    expect(await exists(up.key)).toBe(false);
    expect((await file(userId, up.fileId)).body.status).toBe("rejected");
    expect(eventsFor(up.fileId)).toEqual(["media.rejected"]);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

async function sequential<T>(steps: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = [];
  for (const step of steps) out.push(await step());
  return out;
}

describe("a second POST while the first object is being indexed", () => {
  it("describes the object that is at the key in the end, with its own thumbnail, counted once", async () => {
    const userId = randomUUID();
    const { fileId, post } = await presignPost(userId, "image/png", 100_000, "f.png");
    const first = await post(await png(300, 200));
    const second = await solid(200, 400, "#a33").png().toBuffer();
    let secondEvent: S3EventRecord | undefined;

    // While the first delivery inspects the first object, the second is POSTed and fully indexed.
    const inspect = deps.inspector.inspect.bind(deps.inspector);
    const spy = vi.spyOn(deps.inspector, "inspect").mockImplementation(async (input) => {
      const result = await inspect(input);
      if (!secondEvent) {
        secondEvent = await post(second);
        expect(await deliver(secondEvent)).toEqual({ batchItemFailures: [] });
      }
      return result;
    });
    expect(await deliver(first)).toEqual({ batchItemFailures: [] });
    spy.mockRestore();
    expect(await deliver(secondEvent!, first)).toEqual({ batchItemFailures: [] });

    expect((await file(userId, fileId)).body).toMatchObject({ status: "ready", size: second.length, metadata: { width: 200, height: 400 } });
    const thumb = await aws.s3.send(new GetObjectCommand({ Bucket: TEST_ENV.bucket, Key: thumbnailKey(userId, fileId) }));
    expect(await sharp(Buffer.from(await thumb.Body!.transformToByteArray())).metadata()).toMatchObject({ width: 160, height: 320 });
    expect(await usage(userId)).toEqual({ files: 1, bytes: second.length, reservedBytes: 0 });
    expect(eventsFor(fileId)).toEqual(["media.ready"]);
  });
});

describe("a second POST, rejected, while the first object is being made ready", () => {
  it("ends rejected with nothing counted, not ready over a removed object", async () => {
    const userId = randomUUID();
    const { fileId, key, post } = await presignPost(userId, "image/png", 100_000, "f.png");
    const first = await post(await png(300, 200));

    // The first delivery has read the PNG; the HTML page is POSTed and its delivery reads the record while
    // still pending, then inspects the page only after the first delivery has made the record ready.
    let firstDone!: () => void;
    const firstIndexed = new Promise<void>((resolve) => (firstDone = resolve));
    let second: Promise<unknown> | undefined;
    let secondEvent: S3EventRecord | undefined;
    const inspect = deps.inspector.inspect.bind(deps.inspector);
    const spy = vi.spyOn(deps.inspector, "inspect").mockImplementation(async (input) => {
      if (!second) {
        const result = await inspect(input);
        secondEvent = await post(html);
        second = deliver(secondEvent, secondEvent);
        return result;
      }
      await firstIndexed;
      return inspect(input);
    });
    expect(await deliver(first)).toEqual({ batchItemFailures: [] });
    firstDone();
    const failed = ((await second) as { batchItemFailures: unknown[] }).batchItemFailures;
    spy.mockRestore();
    // What SQS redelivers, if anything, is handled once the first delivery is done.
    if (failed.length > 0) expect(await deliver(secondEvent!)).toEqual({ batchItemFailures: [] });

    const got = (await file(userId, fileId)).body;
    expect(got.status).toBe("rejected");
    expect(got.fileUrl ?? got.thumbnailUrl).toBeUndefined();
    expect(await exists(key)).toBe(false);
    expect(await exists(thumbnailKey(userId, fileId))).toBe(false);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

/** Moves a pending upload's record and marker into the past, as time would once its window and grace passed. */
async function expireUpload(userId: string, fileId: string): Promise<void> {
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
  const { keysFor, TABLE } = await import("@media/core/table");
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const TableName = process.env.TABLE_NAME!;
  const pk = keysFor.userPartition(userId);
  const fileKey = { [TABLE.partitionKey]: pk, [TABLE.sortKey]: keysFor.file(fileId) };
  const { Item } = await client.send(new GetCommand({ TableName, Key: fileKey, ConsistentRead: true }));
  const past = Math.floor(Date.now() / 1000) - 60;
  await client.send(new UpdateCommand({ TableName, Key: fileKey, UpdateExpression: "SET pendingUntil = :past", ExpressionAttributeValues: { ":past": past } }));
  await client.send(new DeleteCommand({ TableName, Key: { [TABLE.partitionKey]: pk, [TABLE.sortKey]: keysFor.pendingUpload(Number(Item!.pendingUntil), fileId) } }));
  await client.send(new PutCommand({ TableName, Item: { [TABLE.partitionKey]: pk, [TABLE.sortKey]: keysFor.pendingUpload(past, fileId), userId, fileId, pendingUntil: past, size: Item!.size } }));
  client.destroy();
}

describe("the sweep", () => {
  it("releases the reservations of abandoned uploads and leaves live ones", async () => {
    const userId = randomUUID();
    const abandoned = await presignPost(userId, "image/png", 1234);
    const live = await presignPost(userId, "image/png", 99);
    await expireUpload(userId, abandoned.fileId);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 1234 + 99 });
    const { handler } = await import("../src/sweep");
    expect((await handler()).released).toBeGreaterThanOrEqual(1);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 99 });
    expect((await file(userId, abandoned.fileId)).status).toBe(404);
    expect((await file(userId, live.fileId)).body.status).toBe("pending");
  });

  it("runs under its own role: lists the unfinished multipart uploads and leaves one younger than its record's write alone", async () => {
    const userId = randomUUID();
    const created = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName: "a.wav", contentType: "audio/wav", size: 4_000_000, method: "multipart" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { handler } = await import("../src/sweep");
    const result = await asFunction("sweep", handler)();
    expect(result.abortedUploads).toBe(0);
    const listed = await call("list-parts", { method: "GET", path: `/files/${created.body.fileId}/parts`, userId, pathParameters: { fileId: created.body.fileId } });
    expect([listed.status, listed.body.parts]).toEqual([200, []]);
  });

  it("ends a multipart upload abandoned past its window: its reservation is released, its parts are aborted in storage, and a late completion is refused", async () => {
    const userId = randomUUID();
    const size = 4_000_000;
    const created = await call("upload", { method: "POST", path: "/upload", userId, body: { fileName: "long.wav", contentType: "audio/wav", size, method: "multipart" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { fileId, key } = created.body as { fileId: string; key: string };
    const { uploadId } = created.body.multipart as { uploadId: string };
    const signed = await call("sign-parts", { method: "POST", path: `/files/${fileId}/parts`, userId, pathParameters: { fileId }, body: { partNumbers: [1] } });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    const sent = await fetch((signed.body.parts as { url: string }[])[0]!.url, { method: "PUT", body: Buffer.alloc(size, 1) });
    expect(sent.status).toBe(200);
    const eTag = sent.headers.get("etag")!;
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: size });

    // Its window passes with nobody finishing it; the sweep runs, and runs again after the age below
    // which an unfinished upload may just be waiting for its record.
    await expireUpload(userId, fileId);
    const { handler } = await import("../src/sweep");
    expect((await asFunction("sweep", handler)()).released).toBeGreaterThanOrEqual(1);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
    const { abortOrphanedUploads } = await import("@media/core/multipart-orphans");
    const { ORPHAN_MIN_AGE_SECONDS } = await import("@media/core/multipart");
    const { uploadMaintenance } = await import("../src/roots/maintenance");
    const later = { now: () => Date.now() + (ORPHAN_MIN_AGE_SECONDS + 60) * 1000 };
    expect(await abortOrphanedUploads({ ...uploadMaintenance(), clock: later })).toBeGreaterThanOrEqual(1);

    const { S3Client, ListPartsCommand } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    await expect(s3.send(new ListPartsCommand({ Bucket: process.env.BUCKET_NAME!, Key: key, UploadId: uploadId }))).rejects.toMatchObject({ name: "NoSuchUpload" });
    s3.destroy();
    expect((await call("list-parts", { method: "GET", path: `/files/${fileId}/parts`, userId, pathParameters: { fileId } })).status).toBe(404);
    const late = await call("complete-upload", { method: "POST", path: `/files/${fileId}/complete`, userId, pathParameters: { fileId }, body: { parts: [{ partNumber: 1, eTag }] } });
    expect(late.status).toBe(404);
    expect(await exists(key)).toBe(false);
    expect(await usage(userId)).toEqual({ files: 0, bytes: 0, reservedBytes: 0 });
  });
});

describe("npm run reindex", () => {
  it.each(["expired", "was released"])("rebuilds an upload whose event was lost, after its pending record %s", async (fate) => {
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    const { DynamoDBDocumentClient } = await import("@aws-sdk/lib-dynamodb");
    const { reindex } = await import("@media/core/reindex");
    const { createDynamoMediaMaintenance, createDynamoMediaRepository } = await import("../src/adapters/dynamo-media-repository");
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const tableName = process.env.TABLE_NAME!;

    const userId = randomUUID();
    const bytes = await png(40, 30);
    const up = await upload(userId, bytes, "image/png", "late.png");
    // The event never arrives and the upload window and its grace pass; then a presign that needs the
    // room, or the sweep, may release it.
    await expireUpload(userId, up.fileId);
    if (fate === "was released") expect(await createDynamoMediaRepository({ client, tableName }).releaseExpired(userId, Date.now())).toBe(1);
    expect((await file(userId, up.fileId)).status).toBe(404);

    const summary = await reindex(
      { ...deps, events: { publish: async () => undefined }, usage: createDynamoMediaMaintenance({ client, tableName }) },
      { dryRun: false, userId },
    );
    expect(summary).toMatchObject({ objects: 1, failed: 0, rebuiltReady: 1 });
    expect((await file(userId, up.fileId)).body).toMatchObject({ status: "ready", fileName: "late.png", size: bytes.length });
    expect(await usage(userId)).toEqual({ files: 1, bytes: bytes.length, reservedBytes: 0 });
  });
});

describe("a record over its time budget", () => {
  it("fails alone, before the invocation's time is up: the rest of its batch is indexed and only its message is retried", async () => {
    const { RESPONSE_RESERVE_MS } = await import("../src/indexer");
    const userId = randomUUID();
    const slowBytes = await png(30, 20);
    const slow = await upload(userId, slowBytes, "image/png", "slow.png");
    const quick = await upload(userId, await png(40, 30), "image/png", "quick.png");

    // The slow file's inspection does not end before the invocation's deadline: it waits for the test.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inspect = deps.inspector.inspect.bind(deps.inspector);
    const spy = vi.spyOn(deps.inspector, "inspect").mockImplementation(async (input) => {
      if (input.size === slowBytes.length) await held;
      return inspect(input);
    });
    const records = [slow, quick].map((u) => sqsRecord({ Records: [u.event] }));
    // The invocation's time runs out once the quick file is indexed, not after some seconds of the
    // machine's: its timers are moved on then (faked, but still running with real time, so every other
    // timer of the process fires as usual). A fixed few seconds would wait that long, and fail the quick
    // file too on a machine too busy to index it in time.
    const INVOCATION_MS = 10 * 60_000;
    const { log } = await import("@media/functions/log");
    // Its "indexed" line is the last thing the indexer does for a message (its metrics are synchronous).
    const logged = vi.spyOn(log, "info");
    const quickIndexed = () => logged.mock.calls.some(([message, fields]) => message === "indexed" && fields?.fileId === quick.fileId);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    let response: Awaited<ReturnType<typeof indexer>>;
    try {
      const invocation = indexer(sqsEvent(records), context("indexer", RESPONSE_RESERVE_MS + INVOCATION_MS));
      await expect.poll(quickIndexed).toBe(true);
      vi.advanceTimersByTime(INVOCATION_MS);
      response = await invocation;
    } finally {
      vi.useRealTimers();
      logged.mockRestore();
    }
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.messageId }] });
    expect((await file(userId, quick.fileId)).body.status).toBe("ready");
    expect((await file(userId, slow.fileId)).body.status).toBe("pending");

    // SQS delivers it again; now it is indexed, and counted once.
    release();
    spy.mockRestore();
    expect(await deliver(slow.event)).toEqual({ batchItemFailures: [] });
    expect((await file(userId, slow.fileId)).body.status).toBe("ready");
    expect(eventsFor(slow.fileId)).toEqual(["media.ready"]);
  });
});
