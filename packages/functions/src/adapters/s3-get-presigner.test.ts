import { randomBytes } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { contentDisposition } from "@media/core/file-name";
import { startTestS3, TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION, type TestS3 } from "@media/testing/local-s3-storage";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGetObjectPresigner, type GetObjectUrlRequest } from "./s3-get-presigner";
import { createS3ObjectStorage, s3ClientOptions } from "./s3-object-storage";

/**
 * The presigner behind ObjectStorage.presignGet must authorize exactly what the SDK's getSignedUrl
 * authorizes: the same URL, byte for byte, for the clients this service builds (flexible checksums only
 * when required), and the local storage (which checks SigV4 as S3 does) must accept it and refuse it
 * expired or altered.
 */
let t: TestS3;
const clients: S3Client[] = [];
beforeAll(async () => {
  t = await startTestS3();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await t?.stop();
});
beforeEach(() => {
  t.clock.offsetMs = 0;
});

/** A presigned URL's X-Amz-Date (`20261205T063415Z`), in ms since the epoch. */
function signingTime(url: string): number {
  const date = new URL(url).searchParams.get("X-Amz-Date") ?? "";
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m) throw new Error(`no X-Amz-Date in ${url}`);
  const [, y, mo, d, h, mi, sec] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

function clientFor(options: { endpoint?: string; region?: string; sessionToken?: string }): S3Client {
  const region = options.region ?? TEST_REGION;
  const client = new S3Client({
    // The production options (s3ClientOptions): path-style locally, virtual-hosted on AWS.
    ...s3ClientOptions(region, options.endpoint !== undefined),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: { ...TEST_CREDENTIALS, ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}) },
  });
  clients.push(client);
  return client;
}

function sdkUrl(client: S3Client, bucket: string, r: GetObjectUrlRequest): Promise<string> {
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: r.key,
    ...(r.disposition !== undefined ? { ResponseContentDisposition: r.disposition } : {}),
    ...(r.contentType !== undefined ? { ResponseContentType: r.contentType } : {}),
  });
  return getSignedUrl(client, command, { expiresIn: r.expiresSeconds, ...(r.signingDate ? { signingDate: r.signingDate } : {}) });
}

const KEYS = [
  "users/3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b/01J00000000000000000000001",
  "derived/3f1c2b9a-1d2e-4f50-9a7b-0c1d2e3f4a5b/01J00000000000000000000001/thumbnail.webp",
  "odd/a b+c/ü ñ 日本/!'()*~.%25;=&?#.jpg",
  "odd//double slash/",
];
const FILE_NAMES = ['my "song" (live).mp3', "Ünïcödé  fïlé 日本.jpg", "plain.wav"];
const SIGNED_AT = [new Date("2026-03-01T12:34:56Z"), new Date("2026-03-02T00:00:00Z")];

describe("GET URLs from the presigner equal getSignedUrl's", () => {
  const cases = [
    { name: "local path-style endpoint", make: () => clientFor({ endpoint: t.s3.endpoint }), bucket: TEST_BUCKET },
    { name: "local endpoint, session credentials", make: () => clientFor({ endpoint: t.s3.endpoint, sessionToken: "session/token+=" }), bucket: TEST_BUCKET },
    { name: "AWS virtual-hosted bucket, session credentials", make: () => clientFor({ region: "eu-west-1", sessionToken: "IQoJb3JpZ2luX2Vj//token==" }), bucket: "media-prod-bucket" },
    { name: "AWS, a bucket name only path-style can address", make: () => clientFor({ region: "ap-southeast-2" }), bucket: "media.with.dots" },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const client = c.make();
      const presign = createGetObjectPresigner(client, c.bucket);
      let compared = 0;
      for (const key of KEYS) {
        for (const signingDate of SIGNED_AT) {
          const requests: GetObjectUrlRequest[] = [
            { key, expiresSeconds: 900, signingDate },
            { key, expiresSeconds: 60, signingDate, contentType: "image/webp" },
            ...FILE_NAMES.flatMap((name) => [
              { key, expiresSeconds: 3600, signingDate, disposition: contentDisposition("inline", name), contentType: "audio/mpeg" },
              { key, expiresSeconds: 604_800, signingDate, disposition: contentDisposition("attachment", name) },
            ]),
          ];
          for (const r of requests) {
            const ours = await presign(r);
            expect(ours).toBe(await sdkUrl(client, c.bucket, r));
            const query = new URL(ours).searchParams;
            expect(query.get("X-Amz-Expires")).toBe(String(r.expiresSeconds));
            expect(query.get("response-content-disposition")).toBe(r.disposition ?? null);
            expect(query.get("response-content-type")).toBe(r.contentType ?? null);
            expect([...query.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
            compared++;
          }
        }
      }
      expect(compared).toBe(KEYS.length * SIGNED_AT.length * (2 + 2 * FILE_NAMES.length));
    });
  }

  it("signs the session token when the credentials have one, and only then", async () => {
    const withToken = new URL(await createGetObjectPresigner(clientFor({ endpoint: t.s3.endpoint, sessionToken: "tok" }), TEST_BUCKET)({ key: KEYS[0]!, expiresSeconds: 60 }));
    const without = new URL(await createGetObjectPresigner(clientFor({ endpoint: t.s3.endpoint }), TEST_BUCKET)({ key: KEYS[0]!, expiresSeconds: 60 }));
    expect(withToken.searchParams.get("X-Amz-Security-Token")).toBe("tok");
    expect(without.searchParams.has("X-Amz-Security-Token")).toBe(false);
  });

  it("adds no flexible-checksum parameter even for a client built with the SDK's default checksums", async () => {
    const client = new S3Client({ region: TEST_REGION, endpoint: t.s3.endpoint, forcePathStyle: true, credentials: TEST_CREDENTIALS });
    clients.push(client);
    const url = new URL(await createGetObjectPresigner(client, TEST_BUCKET)({ key: KEYS[0]!, expiresSeconds: 60 }));
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
  });

  it("refuses an empty key", async () => {
    await expect(createGetObjectPresigner(clientFor({ endpoint: t.s3.endpoint }), TEST_BUCKET)({ key: "", expiresSeconds: 60 })).rejects.toThrow(/key is required/);
  });
});

describe("the local storage, which checks SigV4 as S3 does", () => {
  const objects = new Map<string, Buffer>();
  let client: S3Client;
  let storage: ReturnType<typeof createS3ObjectStorage>;
  beforeAll(async () => {
    client = clientFor({ endpoint: t.s3.endpoint });
    storage = createS3ObjectStorage({ client, bucket: TEST_BUCKET });
    for (const key of KEYS.slice(0, 3)) {
      const body = randomBytes(2048);
      await client.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: body, ContentType: "application/octet-stream" }));
      objects.set(key, body);
    }
  });

  async function expectRefused(url: string | URL, status: number, code: string) {
    const response = await fetch(url);
    const body = await response.text();
    expect({ status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] }).toEqual({ status, code });
  }

  it("serves each object with the type and disposition the URL signs", async () => {
    for (const [key, body] of objects) {
      const disposition = contentDisposition("attachment", 'my "song" (live) ü.mp3');
      const url = await storage.presignGet({ key, expiresSeconds: 60, disposition, contentType: "audio/mpeg" });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("audio/mpeg");
      expect(response.headers.get("content-disposition")).toBe(disposition);
      expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
    }
  });

  it("refuses the URL once it has expired", async () => {
    const url = await storage.presignGet({ key: KEYS[0]!, expiresSeconds: 60, contentType: "image/webp" });
    // The storage's clock is set from the signing time the URL carries (whole seconds), not from the
    // test's own: 59 s after "now" failed once a busy machine had let a second pass since the signing.
    // Time passing after the clock is set only makes the URL older, so "before" keeps 15 s of room.
    const signedAt = signingTime(url);
    t.clock.offsetMs = signedAt + 45_000 - Date.now();
    const before = await fetch(url);
    expect(before.status).toBe(200);
    await before.arrayBuffer();
    t.clock.offsetMs = signedAt + 61_000 - Date.now();
    await expectRefused(url, 403, "AccessDenied");
  });

  it("refuses a URL whose signed parts were altered", async () => {
    const signed = await storage.presignGet({ key: KEYS[0]!, expiresSeconds: 60, disposition: contentDisposition("inline", "a.jpg"), contentType: "image/jpeg" });
    const alter = (change: (u: URL) => void) => {
      const u = new URL(signed);
      change(u);
      expect(u.toString()).not.toBe(signed);
      return u;
    };
    await expectRefused(alter((u) => u.searchParams.set("response-content-disposition", contentDisposition("attachment", "a.jpg"))), 403, "SignatureDoesNotMatch");
    await expectRefused(alter((u) => u.searchParams.set("response-content-type", "text/html")), 403, "SignatureDoesNotMatch");
    await expectRefused(alter((u) => u.searchParams.set("X-Amz-Expires", "3600")), 403, "SignatureDoesNotMatch");
    await expectRefused(alter((u) => (u.pathname = u.pathname.replace(/1$/, "2"))), 403, "SignatureDoesNotMatch");
    await expectRefused(
      alter((u) => {
        const s = u.searchParams.get("X-Amz-Signature")!;
        u.searchParams.set("X-Amz-Signature", `${s.slice(0, -1)}${s.endsWith("a") ? "b" : "a"}`);
      }),
      403,
      "SignatureDoesNotMatch",
    );
    await expectRefused(`${signed}&response-cache-control=no-store`, 403, "SignatureDoesNotMatch");
  });
});
