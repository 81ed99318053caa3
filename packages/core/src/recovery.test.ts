import { describe, expect, it } from "vitest";
import { S3EventRecordSchema } from "./s3-notification";
import { decodeEventKey } from "./keys";
import { decodeMetadataValue, encodeMetadataValue } from "./object-metadata";
import { purgeUser, type PurgeDeps } from "./purge";
import { fallbackFileName, syntheticEvent } from "./reindex";

describe("file name metadata", () => {
  it("round-trips any accepted name through ASCII", () => {
    for (const name of ["a.png", "Ünïcödé 😀 100%.png", "tone café.wav", "a+b=c&d?.mp3", "\u4e2d\u6587.flac"]) {
      const encoded = encodeMetadataValue(name);
      expect(encoded).toMatch(/^[\x21-\x7e]*$/);
      expect(decodeMetadataValue(encoded)).toBe(name);
    }
  });

  it("reads what it did not write as no name", () => {
    expect(decodeMetadataValue("%E0%A4%A")).toBeUndefined();
    expect(decodeMetadataValue(undefined)).toBeUndefined();
  });
});

describe("reindex helpers", () => {
  it("names a file without a stored name after its id and type", () => {
    expect(fallbackFileName("01J00000000000000000000000", "image/jpeg")).toBe("01J00000000000000000000000.jpg");
    expect(fallbackFileName("01J00000000000000000000000", "audio/mpeg")).toBe("01J00000000000000000000000.mp3");
    expect(fallbackFileName("01J00000000000000000000000", "audio/mp4")).toBe("01J00000000000000000000000.m4a");
  });

  it("makes event records the indexer accepts, keys encoded as S3 encodes them", () => {
    const key = "users/0f8fad5b-d9cb-469f-a165-70867728950e/01J00000000000000000000000";
    const record = S3EventRecordSchema.parse(syntheticEvent(key, 10));
    expect(decodeEventKey(record.s3.object.key)).toBe(key);
    expect(record.eventName.startsWith("ObjectCreated:")).toBe(true);
  });
});

describe("purgeUser", () => {
  it("refuses anything but a sub before touching anything, so no prefix can widen", async () => {
    const touched: string[] = [];
    const deps = new Proxy({}, { get: (_t, name) => new Proxy({}, { get: (_u, method) => async () => void touched.push(`${String(name)}.${String(method)}`) }) }) as PurgeDeps;
    for (const bad of ["", "..", "0f8fad5b-d9cb-469f-a165-70867728950e/..", "*"]) {
      await expect(purgeUser(deps, bad, { dryRun: true })).rejects.toThrow(/not a user id/);
    }
    expect(touched).toEqual([]);
  });
});
