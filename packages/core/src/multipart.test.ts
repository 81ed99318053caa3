import { describe, expect, it } from "vitest";
import { checkCompletion, MiB, partLength, partPlan, S3_MULTIPART } from "./multipart";

describe("partPlan", () => {
  it("uses S3's 5 MiB minimum for ordinary sizes and grows the part (whole MiB) to stay within 10,000 parts", () => {
    expect(partPlan(1)).toEqual({ partSize: 5 * MiB, partCount: 1 });
    expect(partPlan(12 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 3 });
    expect(partPlan(50_000 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 10_000 });
    const huge = partPlan(50_000 * MiB + 1);
    expect(huge.partSize).toBe(6 * MiB);
    expect(huge.partCount).toBeLessThanOrEqual(S3_MULTIPART.maxParts);
    const plan = partPlan(12 * MiB);
    expect([1, 2, 3].map((n) => partLength(plan, 12 * MiB, n))).toEqual([5 * MiB, 5 * MiB, 2 * MiB]);
  });
});

describe("checkCompletion", () => {
  const size = 12 * MiB;
  const plan = partPlan(size);
  const uploaded = [
    { partNumber: 1, eTag: '"a"', size: 5 * MiB },
    { partNumber: 2, eTag: '"b"', size: 5 * MiB },
    { partNumber: 3, eTag: '"c"', size: 2 * MiB },
  ];
  const all = [
    { partNumber: 1, eTag: "a" },
    { partNumber: 2, eTag: '"b"' },
    { partNumber: 3, eTag: "c" },
  ];
  const code = (f: () => unknown) => {
    try {
      f();
      return "accepted";
    } catch (error) {
      return `${(error as { status: number }).status} ${(error as { code: string }).code}`;
    }
  };

  it("accepts every part once, in order, with its ETag (quoted or not), totalling the declared size", () => {
    expect(checkCompletion(plan, size, all, uploaded)).toEqual(uploaded);
  });

  it("refuses reordered, repeated, unknown, out-of-range and missing parts, and a total other than declared", () => {
    expect(code(() => checkCompletion(plan, size, [all[1]!, all[0]!, all[2]!], uploaded))).toBe("400 InvalidPartOrder");
    expect(code(() => checkCompletion(plan, size, [all[0]!, all[0]!, all[2]!], uploaded))).toBe("400 InvalidPartOrder");
    expect(code(() => checkCompletion(plan, size, [all[0]!, { partNumber: 2, eTag: "x" }, all[2]!], uploaded))).toBe("400 InvalidPart");
    expect(code(() => checkCompletion(plan, size, [...all, { partNumber: 4, eTag: "d" }], uploaded))).toBe("400 InvalidPartNumber");
    expect(code(() => checkCompletion(plan, size, [all[0]!, all[2]!], uploaded))).toBe("409 IncompleteUpload");
    expect(code(() => checkCompletion(plan, size, all.slice(0, 2), uploaded.slice(0, 2)))).toBe("409 IncompleteUpload");
    const bigger = uploaded.map((p) => (p.partNumber === 3 ? { ...p, size: 2 * MiB + 1 } : p));
    expect(code(() => checkCompletion(plan, size, all, bigger))).toBe("413 UploadTooLarge");
  });
});
