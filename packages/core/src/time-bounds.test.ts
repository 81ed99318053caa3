import { describe, expect, it } from "vitest";
import { fileIdBound } from "./time-bounds";
import { fileIdTime, newFileId } from "./ids";

describe("upload date bounds", () => {
  it("brackets every id minted within the range", () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const id = newFileId(t);
    expect(fileIdTime(id)).toBe(t);
    expect(fileIdBound(t, "low") <= id).toBe(true);
    expect(fileIdBound(t, "high") >= id).toBe(true);
    expect(fileIdBound(t + 1, "low") > id).toBe(true);
    expect(fileIdBound(t - 1, "high") < id).toBe(true);
  });
});
