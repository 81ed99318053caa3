import { describe, expect, it } from "vitest";
import { evaluatePreconditions, parseRange } from "./range";
import { S3Error } from "./s3-errors";

describe("parseRange", () => {
  it.each([
    ["bytes=0-9", { kind: "partial", start: 0, end: 9 }],
    ["bytes=90-", { kind: "partial", start: 90, end: 99 }],
    ["bytes=-10", { kind: "partial", start: 90, end: 99 }],
    ["bytes=-500", { kind: "partial", start: 0, end: 99 }],
    ["bytes=50-5000", { kind: "partial", start: 50, end: 99 }],
    ["bytes=100-", { kind: "unsatisfiable" }],
    ["bytes=100-200", { kind: "unsatisfiable" }],
    ["bytes=-0", { kind: "unsatisfiable" }],
    ["bytes=9-0", { kind: "full" }],
    ["bytes=0-1,5-6", { kind: "full" }],
    ["items=0-1", { kind: "full" }],
    ["bytes=-", { kind: "full" }],
  ])("%s of 100 bytes", (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it("finds nothing satisfiable in an empty object", () => {
    expect(parseRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange(undefined, 0)).toEqual({ kind: "full" });
  });
});

describe("evaluatePreconditions", () => {
  const object = { etag: '"abc"', lastModified: new Date("2026-01-01T10:00:00.500Z") };
  const status = (headers: Parameters<typeof evaluatePreconditions>[0]) => {
    try {
      return evaluatePreconditions(headers, object);
    } catch (error) {
      return error instanceof S3Error ? error.status : error;
    }
  };

  it("follows S3's precedence", () => {
    expect(status({ ifNoneMatch: '"abc"' })).toBe("not-modified");
    expect(status({ ifNoneMatch: 'W/"abc", "x"' })).toBe("not-modified");
    expect(status({ ifNoneMatch: '"x"', ifModifiedSince: "Thu, 01 Jan 2026 11:00:00 GMT" })).toBe("ok");
    expect(status({ ifModifiedSince: "Thu, 01 Jan 2026 10:00:00 GMT" })).toBe("not-modified");
    expect(status({ ifModifiedSince: "Thu, 01 Jan 2026 09:59:59 GMT" })).toBe("ok");
    expect(status({ ifMatch: '"x"' })).toBe(412);
    expect(status({ ifMatch: "*" })).toBe("ok");
    expect(status({ ifMatch: '"abc"', ifUnmodifiedSince: "Thu, 01 Jan 2026 09:00:00 GMT" })).toBe("ok");
    expect(status({ ifUnmodifiedSince: "Thu, 01 Jan 2026 09:00:00 GMT" })).toBe(412);
  });
});
