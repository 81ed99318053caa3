import { describe, expect, it } from "vitest";
import { exportAccount, INLINE_EXPORT_MAX_BYTES, type ExportDeps, type ExportManifest, type StoredExport } from "./account-export";
import { newFileId } from "./ids";
import { exportManifestKey } from "./keys";
import type { MediaRecord } from "./media-record";
import type { ListQuery, MediaRepository, ObjectStorage } from "./ports";

const USER = "3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b";
const NOW = Date.UTC(2026, 11, 4, 12);
// About the length of a real presigned GET with a Content-Disposition override and a session token.
const signature = "x".repeat(900);

/** A person with `count` files, newest first, most ready, some pending or rejected. */
function records(count: number): MediaRecord[] {
  return Array.from({ length: count }, (_, i): MediaRecord => {
    const status = i % 10 === 9 ? "rejected" : i % 10 === 8 ? "pending" : "ready";
    return {
      userId: USER,
      fileId: newFileId(NOW - i * 1000),
      fileName: `holiday photo ${i}.jpg`,
      contentType: "image/jpeg",
      kind: "image",
      size: 1000 + i,
      status,
      uploadedAt: new Date(NOW - i * 1000).toISOString(),
      metadata: { width: 4032, height: 3024 },
      ...(status === "ready" ? { thumbnailKey: `derived/${USER}/${i}/thumbnail.webp` } : {}),
      ...(status === "rejected" ? { rejectionReason: "not an image" } : {}),
      ...(i % 3 === 0 ? { tags: ["summer", "beach"], description: "A day at the sea" } : {}),
    };
  });
}

/** The repository's paging (newest first, `after` exclusive) over records held in memory. */
function memoryRepo(all: MediaRecord[]): MediaRepository {
  return {
    async list(userId: string, query: ListQuery) {
      const mine = all.filter((r) => r.userId === userId);
      const start = query.after ? mine.findIndex((r) => r.fileId === query.after) + 1 : 0;
      const page = mine.slice(start, start + query.limit);
      return start + query.limit < mine.length ? { records: page, lastFileId: page.at(-1)!.fileId } : { records: page };
    },
  } as Partial<MediaRepository> as MediaRepository;
}

/** Signs by string (long, like S3's) and keeps what is put. */
function memoryStorage() {
  const objects = new Map<string, { body: Buffer; contentType: string }>();
  const storage = {
    async presignGet({ key, expiresSeconds }: { key: string; expiresSeconds: number }) {
      return `https://media.s3.amazonaws.com/${key}?X-Amz-Expires=${expiresSeconds}&X-Amz-Signature=${signature}`;
    },
    async put(key: string, body: Buffer, contentType: string) {
      objects.set(key, { body, contentType });
    },
  } as Partial<ObjectStorage> as ObjectStorage;
  return { storage, objects };
}

function deps(all: MediaRecord[]): { deps: ExportDeps; objects: ReturnType<typeof memoryStorage>["objects"] } {
  const { storage, objects } = memoryStorage();
  return { deps: { repo: memoryRepo(all), storage, clock: { now: () => NOW } }, objects };
}

describe("GET /me/export", () => {
  it("answers a small account inline: every file, download URLs for ready ones only, nothing written", async () => {
    const { deps: d, objects } = deps(records(25));
    const manifest = (await exportAccount(d, { userId: USER, email: "a@example.com" })) as ExportManifest;
    expect(manifest.files).toHaveLength(25);
    expect(manifest.files.filter((f) => f.downloadUrl)).toHaveLength(21);
    expect(manifest.files.find((f) => f.status === "rejected")).toMatchObject({ rejectionReason: "not an image" });
    expect(manifest.files.find((f) => f.status === "pending")?.downloadUrl).toBeUndefined();
    expect(manifest.files[0]).toMatchObject({ tags: ["summer", "beach"], description: "A day at the sea", thumbnailUrl: expect.stringContaining("thumbnail.webp") });
    expect(manifest.files[0]).not.toHaveProperty("fileUrl");
    expect(manifest.usage).toEqual({ files: 21, bytes: expect.any(Number) });
    expect(objects.size).toBe(0);
  });

  it("writes a manifest too large for a Lambda response to the user's derived prefix and answers with a link to it", async () => {
    // Enough files that the manifest passes 6 MB: a few thousand, built in memory in well under a second.
    const all = records(4000);
    const { deps: d, objects } = deps(all);
    const answer = (await exportAccount(d, { userId: USER, email: "a@example.com" })) as StoredExport;
    expect(answer).not.toHaveProperty("files");
    expect(answer).toMatchObject({ format: "media-storage-export/1", userId: USER, fileCount: 4000, urlsExpireAt: new Date(NOW + 3600_000).toISOString() });
    expect(answer.manifestUrl).toContain(exportManifestKey(USER));
    expect(Buffer.byteLength(JSON.stringify(JSON.stringify(answer)))).toBeLessThan(4096);

    const stored = objects.get(exportManifestKey(USER))!;
    expect(stored.contentType).toBe("application/json");
    expect(stored.body.length).toBeGreaterThan(INLINE_EXPORT_MAX_BYTES);
    const manifest = JSON.parse(stored.body.toString("utf8")) as ExportManifest;
    expect(manifest.files.map((f) => f.fileId)).toEqual(all.map((r) => r.fileId));
    expect(manifest).toMatchObject({ userId: USER, exportedAt: answer.exportedAt, usage: answer.usage });
  });

  it("keeps the inline answer within the limit as it will be sent: escaped inside the response envelope", async () => {
    const { deps: d } = deps(records(40));
    const inline = await exportAccount(d, { userId: USER, email: "a@example.com" });
    const size = Buffer.byteLength(JSON.stringify(JSON.stringify(inline)));
    // A limit just under the escaped size sends the same account to the bucket; at the size, inline.
    expect(await exportAccount({ ...d, inlineMaxBytes: size }, { userId: USER, email: "a@example.com" })).toHaveProperty("files");
    expect(await exportAccount({ ...d, inlineMaxBytes: size - 1 }, { userId: USER, email: "a@example.com" })).toHaveProperty("manifestUrl");
  });
});
