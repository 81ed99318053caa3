import { describe, expect, it } from "vitest";
import { sessionState } from "./sessions";

describe("sessionState", () => {
  const cut = 1_800_000_000_500; // half a second into second 1_800_000_000
  it("keeps every session when the user's sessions never ended", () => {
    expect(sessionState(1_700_000_000, undefined)).toBe("alive");
  });
  it("ends sessions signed in in a second before the cut's", () => {
    expect(sessionState(1_799_999_999, cut)).toBe("ended");
  });
  it("cannot tell a session signed in during the cut's own second (before or after it?)", () => {
    expect(sessionState(1_800_000_000, cut)).toBe("undecided");
    expect(sessionState(1_800_000_000, 1_800_000_000_000)).toBe("undecided");
  });
  it("keeps sessions signed in from the next second on", () => {
    expect(sessionState(1_800_000_001, cut)).toBe("alive");
  });
});
