import { describe, expect, it } from "vitest";
import { keepPresent, NO_SELECTION, toggleSelection } from "./selection";

const order = ["a", "b", "c", "d", "e"];
const ids = (s: { ids: ReadonlySet<string> }) => [...s.ids].sort();

describe("selection", () => {
  it("toggles one file with a click, which becomes the anchor", () => {
    const one = toggleSelection(NO_SELECTION, order, "b", false);
    expect(ids(one)).toEqual(["b"]);
    expect(one.anchor).toBe("b");
    expect(ids(toggleSelection(one, order, "b", false))).toEqual([]);
  });

  it("selects the run from the anchor with a shift-click, either way, keeping the anchor", () => {
    const start = toggleSelection(NO_SELECTION, order, "b", false);
    const down = toggleSelection(start, order, "d", true);
    expect(ids(down)).toEqual(["b", "c", "d"]);
    expect(down.anchor).toBe("b");
    const up = toggleSelection(toggleSelection(NO_SELECTION, order, "d", false), order, "a", true);
    expect(ids(up)).toEqual(["a", "b", "c", "d"]);
  });

  it("treats a shift-click with no anchor as a click", () => {
    expect(ids(toggleSelection(NO_SELECTION, order, "c", true))).toEqual(["c"]);
  });

  it("drops files that left the library", () => {
    const s = toggleSelection(toggleSelection(NO_SELECTION, order, "a", false), order, "c", true);
    const kept = keepPresent(s, ["b", "c"]);
    expect(ids(kept)).toEqual(["b", "c"]);
    expect(kept.anchor).toBeUndefined();
    expect(keepPresent(kept, order)).toBe(kept);
  });
});
