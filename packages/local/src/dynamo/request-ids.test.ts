import { describe, expect, it } from "vitest";
import { requestId } from "./request-ids";

describe("request ids", () => {
  it("are dynalite's shape (52 characters of A-Z and 0-9) and all different, across refills of the pool", () => {
    const ids = Array.from({ length: 1000 }, () => requestId());
    for (const id of ids) expect(id).toMatch(/^[A-Z0-9]{52}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
