import { describe, expect, it } from "vitest";
import { AppError } from "./errors";
import { newFileId } from "./ids";
import type { MediaRecord } from "./media-record";
import type { ShareRecord, ShareRepository } from "./ports";
import {
  CreateShareInput,
  DEFAULT_SHARE_SECONDS,
  MAX_SHARE_SECONDS,
  OpenShareQuery,
  SHARE_REDIRECT_SECONDS,
  ShareUnavailableError,
  createShare,
  describeShare,
  hashShareToken,
  isShareToken,
  listShares,
  newShareToken,
  openShare,
  revokeShare,
  type SharingDeps,
} from "./sharing";

const OWNER = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const ORIGIN = "https://api.example.com";

/** In-memory ports with the same contract as the DynamoDB adapters. */
function world(files: MediaRecord[] = []) {
  const clock = { at: T0, now: () => clock.at };
  const records = new Map(files.map((f) => [`${f.userId}/${f.fileId}`, f]));
  const shares = new Map<string, ShareRecord>();
  const presigned: Array<{ key: string; expiresSeconds: number; disposition?: string; contentType?: string }> = [];
  const repo: ShareRepository = {
    async create(share) {
      shares.set(share.shareId, share);
    },
    async listForFile(userId, fileId, now) {
      return [...shares.values()].filter((s) => s.userId === userId && s.fileId === fileId && s.expiresAt > now);
    },
    async findByTokenHash(hash) {
      return [...shares.values()].find((s) => s.tokenHash === hash);
    },
    async revoke(userId, fileId, shareId) {
      const s = shares.get(shareId);
      if (s && s.userId === userId && s.fileId === fileId) shares.delete(shareId);
    },
    async revokeAllForFile(userId, fileId) {
      for (const [id, s] of shares) if (s.userId === userId && s.fileId === fileId) shares.delete(id);
    },
  };
  const deps: SharingDeps = {
    repo: { get: async (userId, fileId) => records.get(`${userId}/${fileId}`) },
    shares: repo,
    storage: {
      presignGet: async (input) => {
        presigned.push(input);
        return `https://bucket.example.com/${input.key}?sig`;
      },
    },
    clock,
    limits: { urlExpiresSeconds: 900 },
  };
  return { deps, clock, records, shares, presigned };
}

function file(overrides: Partial<MediaRecord> = {}): MediaRecord {
  return {
    userId: OWNER,
    fileId: newFileId(T0 - 60_000),
    fileName: "holiday photo.jpg",
    contentType: "image/jpeg",
    kind: "image",
    size: 1234,
    status: "ready",
    uploadedAt: new Date(T0 - 60_000).toISOString(),
    metadata: {},
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a failure");
}

const DEF = CreateShareInput.parse({});
const tokenOf = (url: string) => url.slice(`${ORIGIN}/s/`.length);

describe("share tokens", () => {
  it("are 128 random bits in base64url, stored only as their SHA-256", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newShareToken()));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(isShareToken(t)).toBe(true);
    const token = [...tokens][0]!;
    expect(Buffer.from(token, "base64url")).toHaveLength(16);
    expect(hashShareToken(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashShareToken(token)).toBe(hashShareToken(token));
    expect(hashShareToken(token)).not.toContain(token);
    for (const bad of ["", "short", `${token}x`, `${token.slice(0, 21)}=`, `${token.slice(0, 21)}/`]) expect(isShareToken(bad), bad).toBe(false);
  });
});

describe("share rules", () => {
  it("expiresInSeconds: 1 s to 7 days, a day by default, whole seconds", () => {
    expect(CreateShareInput.parse({})).toEqual({ expiresInSeconds: DEFAULT_SHARE_SECONDS });
    expect(DEFAULT_SHARE_SECONDS).toBe(86_400);
    expect(CreateShareInput.parse({ expiresInSeconds: 1 }).expiresInSeconds).toBe(1);
    expect(CreateShareInput.parse({ expiresInSeconds: MAX_SHARE_SECONDS }).expiresInSeconds).toBe(7 * 24 * 3600);
    for (const bad of [0, -1, 1.5, MAX_SHARE_SECONDS + 1, "60", null]) expect(CreateShareInput.safeParse({ expiresInSeconds: bad }).success, String(bad)).toBe(false);
  });

  it("?download=1 (or true) asks for an attachment; anything else shows inline", () => {
    expect(OpenShareQuery.parse({ download: "1" })).toEqual({ download: true });
    expect(OpenShareQuery.parse({ download: "true" })).toEqual({ download: true });
    expect(OpenShareQuery.parse({ download: "0" })).toEqual({ download: false });
    expect(OpenShareQuery.parse({ other: "x" })).toEqual({ download: false });
  });

  it("?rendition=preview asks for the display-size preview, ?rendition=stream for the audio stream; another rendition name is bad input", () => {
    expect(OpenShareQuery.parse({ rendition: "preview" })).toEqual({ download: false, rendition: "preview" });
    expect(OpenShareQuery.parse({ rendition: "stream" })).toEqual({ download: false, rendition: "stream" });
    expect(OpenShareQuery.safeParse({ rendition: "waveform" }).success).toBe(false);
    expect(OpenShareQuery.safeParse({ rendition: "original.jpg" }).success).toBe(false);
  });
});

describe("createShare, openShare, listShares, revokeShare", () => {
  it("creates a link under the API origin that opens as a short-lived presigned GET, inline or as a download", async () => {
    const f = file();
    const w = world([f]);
    const share = await createShare(w.deps, OWNER, f.fileId, { expiresInSeconds: 3600 }, ORIGIN);
    expect(share).toEqual({ shareId: expect.stringMatching(/^[0-9A-Z]{26}$/), url: expect.stringMatching(/^https:\/\/api\.example\.com\/s\/[A-Za-z0-9_-]{22}$/), expiresAt: new Date(T0 + 3600_000).toISOString() });
    // Only the hash is kept.
    const stored = w.shares.get(share.shareId)!;
    expect(stored).toEqual({ shareId: share.shareId, userId: OWNER, fileId: f.fileId, tokenHash: hashShareToken(tokenOf(share.url)), createdAt: T0, expiresAt: T0 + 3600_000 });
    expect(JSON.stringify(stored)).not.toContain(tokenOf(share.url));

    await openShare(w.deps, tokenOf(share.url), { download: false });
    await openShare(w.deps, tokenOf(share.url), { download: true });
    expect(w.presigned).toEqual([
      { key: `users/${OWNER}/${f.fileId}`, expiresSeconds: SHARE_REDIRECT_SECONDS, disposition: `inline; filename="holiday photo.jpg"; filename*=UTF-8''holiday%20photo.jpg`, contentType: "image/jpeg" },
      { key: `users/${OWNER}/${f.fileId}`, expiresSeconds: SHARE_REDIRECT_SECONDS, disposition: `attachment; filename="holiday photo.jpg"; filename*=UTF-8''holiday%20photo.jpg`, contentType: "image/jpeg" },
    ]);
  });

  it("expires to the millisecond, and the redirect never outlives the link", async () => {
    const f = file();
    const w = world([f]);
    const share = await createShare(w.deps, OWNER, f.fileId, { expiresInSeconds: 90 }, ORIGIN);
    w.clock.at = T0 + 60_000;
    await openShare(w.deps, tokenOf(share.url), { download: false });
    expect(w.presigned.at(-1)!.expiresSeconds).toBe(30);
    w.clock.at = T0 + 89_999;
    await openShare(w.deps, tokenOf(share.url), { download: false });
    expect(w.presigned.at(-1)!.expiresSeconds).toBe(1);
    w.clock.at = T0 + 90_000;
    const expired = await failure(openShare(w.deps, tokenOf(share.url), { download: false }));
    expect(expired).toMatchObject({ status: 404, code: "NotFound" });
    // The same 404, which also says (for the share page) that this link was real and is past its time.
    expect(expired).toBeInstanceOf(ShareUnavailableError);
    expect((expired as ShareUnavailableError).reason).toBe("expired");
    expect(await listShares(w.deps, OWNER, f.fileId)).toEqual({ shares: [] });
  });

  it("answers one 404 for an unknown, malformed, expired or revoked token and for a deleted or unready file", async () => {
    const f = file();
    const w = world([f]);
    const revoked = await createShare(w.deps, OWNER, f.fileId, DEF, ORIGIN);
    const fileGone = await createShare(w.deps, OWNER, f.fileId, DEF, ORIGIN);
    await revokeShare(w.deps, OWNER, f.fileId, revoked.shareId);
    const answers = [
      await failure(openShare(w.deps, newShareToken(), { download: false })),
      await failure(openShare(w.deps, "not-a-token", { download: false })),
      await failure(openShare(w.deps, tokenOf(revoked.url), { download: false })),
    ];
    w.records.set(`${OWNER}/${f.fileId}`, { ...f, status: "rejected" });
    answers.push(await failure(openShare(w.deps, tokenOf(fileGone.url), { download: false })));
    w.records.delete(`${OWNER}/${f.fileId}`);
    answers.push(await failure(openShare(w.deps, tokenOf(fileGone.url), { download: false })));
    for (const a of answers) expect({ status: a.status, code: a.code, message: a.message }).toEqual({ status: 404, code: "NotFound", message: answers[0]!.message });
    for (const a of answers) expect((a as ShareUnavailableError).reason).toBe("unavailable");
    expect(w.presigned).toEqual([]);
  });

  it("describes a link's file for its landing page with the same checks as opening it, and presigns nothing", async () => {
    const f = file();
    const w = world([f]);
    const share = await createShare(w.deps, OWNER, f.fileId, { expiresInSeconds: 3600 }, ORIGIN);
    expect(await describeShare(w.deps, tokenOf(share.url))).toEqual({ fileName: f.fileName, contentType: f.contentType, size: f.size, expiresAt: new Date(T0 + 3600_000).toISOString(), hasPreview: false, hasStream: false });
    expect(w.presigned).toEqual([]);
    w.clock.at = T0 + 3600_000;
    expect(((await failure(describeShare(w.deps, tokenOf(share.url)))) as ShareUnavailableError).reason).toBe("expired");
    expect(((await failure(describeShare(w.deps, newShareToken()))) as ShareUnavailableError).reason).toBe("unavailable");
  });

  it("opens the preview rendition when the file's current version has one, else the original; a download is always the original", async () => {
    const eTag = '"v2"';
    const previewKey = `renditions/${OWNER}/x/preview.webp`;
    const made = file({ eTag, renditions: { status: "ready", eTag, previewKey, bytes: 10, at: new Date(T0).toISOString() } });
    // Renditions of an older version are not served: the file was replaced since.
    const stale = file({ fileId: newFileId(T0 - 30_000), eTag, renditions: { status: "ready", eTag: '"v1"', previewKey, bytes: 10, at: new Date(T0).toISOString() } });
    const none = file({ fileId: newFileId(T0 - 20_000) });
    const w = world([made, stale, none]);
    const link = async (f: MediaRecord) => tokenOf((await createShare(w.deps, OWNER, f.fileId, DEF, ORIGIN)).url);
    const [madeToken, staleToken, noneToken] = [await link(made), await link(stale), await link(none)];

    expect((await describeShare(w.deps, madeToken)).hasPreview).toBe(true);
    expect((await describeShare(w.deps, staleToken)).hasPreview).toBe(false);
    expect((await describeShare(w.deps, noneToken)).hasPreview).toBe(false);

    expect(await openShare(w.deps, madeToken, { download: false, rendition: "preview" })).toBe(`https://bucket.example.com/${previewKey}?sig`);
    expect(w.presigned.at(-1)).toEqual({ key: previewKey, expiresSeconds: SHARE_REDIRECT_SECONDS, contentType: "image/webp" });
    await openShare(w.deps, staleToken, { download: false, rendition: "preview" });
    expect(w.presigned.at(-1)).toMatchObject({ key: `users/${OWNER}/${stale.fileId}`, contentType: "image/jpeg" });
    await openShare(w.deps, noneToken, { download: false, rendition: "preview" });
    expect(w.presigned.at(-1)).toMatchObject({ key: `users/${OWNER}/${none.fileId}`, contentType: "image/jpeg" });
    await openShare(w.deps, madeToken, { download: true, rendition: "preview" });
    expect(w.presigned.at(-1)).toMatchObject({ key: `users/${OWNER}/${made.fileId}`, disposition: expect.stringMatching(/^attachment;/) });
  });

  it("plays an audio file's stream rendition when its current version has one, else the original; a download is always the original", async () => {
    const eTag = '"v2"';
    const streamKey = `renditions/${OWNER}/a/stream.m4a`;
    const at = new Date(T0).toISOString();
    const flac = { contentType: "audio/flac", fileName: "tone.flac" };
    const made = file({ ...flac, eTag, renditions: { status: "ready", eTag, streamKey, bytes: 10, at } });
    const stale = file({ ...flac, fileId: newFileId(T0 - 30_000), eTag, renditions: { status: "ready", eTag: '"v1"', streamKey, bytes: 10, at } });
    const w = world([made, stale]);
    const link = async (f: MediaRecord) => tokenOf((await createShare(w.deps, OWNER, f.fileId, DEF, ORIGIN)).url);
    const [madeToken, staleToken] = [await link(made), await link(stale)];

    expect(await describeShare(w.deps, madeToken)).toMatchObject({ hasStream: true, hasPreview: false });
    expect((await describeShare(w.deps, staleToken)).hasStream).toBe(false);

    expect(await openShare(w.deps, madeToken, { download: false, rendition: "stream" })).toBe(`https://bucket.example.com/${streamKey}?sig`);
    expect(w.presigned.at(-1)).toEqual({ key: streamKey, expiresSeconds: SHARE_REDIRECT_SECONDS, contentType: "audio/mp4" });
    // Asking an audio file for a preview it cannot have serves the original, as for an image without one.
    await openShare(w.deps, madeToken, { download: false, rendition: "preview" });
    expect(w.presigned.at(-1)).toMatchObject({ key: `users/${OWNER}/${made.fileId}`, contentType: "audio/flac" });
    await openShare(w.deps, staleToken, { download: false, rendition: "stream" });
    expect(w.presigned.at(-1)).toMatchObject({ key: `users/${OWNER}/${stale.fileId}`, contentType: "audio/flac" });
    await openShare(w.deps, madeToken, { download: true, rendition: "stream" });
    expect(w.presigned.at(-1)).toMatchObject({ key: `users/${OWNER}/${made.fileId}`, disposition: expect.stringMatching(/^attachment;/) });
  });

  it("lists a file's live links without their URLs, oldest first; revoking is idempotent", async () => {
    const f = file();
    const w = world([f]);
    const a = await createShare(w.deps, OWNER, f.fileId, { expiresInSeconds: 60 }, ORIGIN);
    w.clock.at += 1;
    const b = await createShare(w.deps, OWNER, f.fileId, { expiresInSeconds: 600 }, ORIGIN);
    const listed = await listShares(w.deps, OWNER, f.fileId);
    expect(listed).toEqual({
      shares: [
        { shareId: a.shareId, createdAt: new Date(T0).toISOString(), expiresAt: a.expiresAt },
        { shareId: b.shareId, createdAt: new Date(T0 + 1).toISOString(), expiresAt: b.expiresAt },
      ],
    });
    expect(JSON.stringify(listed)).not.toContain(tokenOf(a.url));
    await revokeShare(w.deps, OWNER, f.fileId, a.shareId);
    await revokeShare(w.deps, OWNER, f.fileId, a.shareId);
    await revokeShare(w.deps, OWNER, f.fileId, "not-a-share-id");
    expect((await listShares(w.deps, OWNER, f.fileId)).shares.map((s) => s.shareId)).toEqual([b.shareId]);
  });

  it("another user's file is the same 404 as a missing one, on every call; nothing is written", async () => {
    const f = file();
    const w = world([f]);
    const mine = await createShare(w.deps, OWNER, f.fileId, DEF, ORIGIN);
    const missing = newFileId(T0);
    for (const [userId, fileId] of [[OTHER, f.fileId], [OWNER, missing], [OWNER, "../../etc"]] as const) {
      for (const call of [
        createShare(w.deps, userId, fileId, DEF, ORIGIN),
        listShares(w.deps, userId, fileId),
        revokeShare(w.deps, userId, fileId, mine.shareId),
      ]) {
        expect(await failure(call)).toMatchObject({ status: 404, code: "NotFound", message: "No such file." });
      }
    }
    expect([...w.shares.keys()]).toEqual([mine.shareId]);
  });

  it("shares only a ready file: pending is 409 FileNotReady, a dead pending upload is 404", async () => {
    const pending = file({ status: "pending", expiresAt: Math.ceil(T0 / 1000) + 3600 });
    const dead = file({ status: "pending", expiresAt: Math.floor(T0 / 1000) - 1 });
    const w = world([pending, dead]);
    expect(await failure(createShare(w.deps, OWNER, pending.fileId, DEF, ORIGIN))).toMatchObject({ status: 409, code: "FileNotReady" });
    expect(await failure(createShare(w.deps, OWNER, dead.fileId, DEF, ORIGIN))).toMatchObject({ status: 404 });
    expect(w.shares.size).toBe(0);
  });
});
