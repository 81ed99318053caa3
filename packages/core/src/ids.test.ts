import { describe, expect, it } from "vitest";
import { fileIdTime, isFileId, newFileId, ULID_ALPHABET } from "./ids";

describe("file ids", () => {
  it("are ULIDs carrying the time they were made at", () => {
    const t = Date.UTC(2026, 5, 7, 8, 9, 10, 11);
    const id = newFileId(t);
    expect(isFileId(id)).toBe(true);
    expect(fileIdTime(id)).toBe(t);
  });

  it("sort in the order they were made, within one millisecond too", () => {
    const t = Date.UTC(2026, 5, 7, 8, 9, 10, 12);
    const ids = Array.from({ length: 500 }, () => newFileId(t));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => fileIdTime(id) === t)).toBe(true);
  });

  it("draw their random part afresh for every millisecond, over the whole alphabet", () => {
    // Far more ids than one refill of the random pool, each in a millisecond of its own.
    const base = Date.UTC(2026, 5, 8);
    const randomParts = Array.from({ length: 2_000 }, (_, i) => newFileId(base + i).slice(10));
    expect(new Set(randomParts).size).toBe(randomParts.length);
    // Every character of the alphabet turns up at every position of the random part.
    for (let pos = 0; pos < 16; pos++) {
      const seen = new Set(randomParts.map((r) => r[pos]));
      expect([...seen].sort().join("")).toBe([...ULID_ALPHABET].sort().join(""));
    }
  });
});
