import { describe, expect, it } from "vitest";
import { sessionAlive } from "./sessions";

describe("sessionAlive", () => {
  const cut = 1_800_000_000_500; // half a second into second 1_800_000_000
  it("keeps every session when the user's sessions never ended", () => {
    expect(sessionAlive(1_700_000_000, undefined)).toBe(true);
  });
  it("ends sessions signed in before the cut, and in the very second of it (they may be from before it)", () => {
    expect(sessionAlive(1_799_999_999, cut)).toBe(false);
    expect(sessionAlive(1_800_000_000, cut)).toBe(false);
  });
  it("keeps sessions signed in from the next second on", () => {
    expect(sessionAlive(1_800_000_001, cut)).toBe(true);
  });
});
