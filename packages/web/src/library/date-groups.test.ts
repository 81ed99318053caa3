import { describe, expect, it } from "vitest";
import type { MediaFile } from "../api/types";
import { groupByDate } from "./date-groups";

const at = (id: string, uploadedAt: string): MediaFile => ({ fileId: id, fileName: `${id}.png`, contentType: "image/png", size: 1, status: "ready", uploadedAt, metadata: {} });
// Local times, so the test holds in any time zone the machine is set to.
const local = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).toISOString();
const now = new Date(2026, 11, 4, 15, 0).getTime();

describe("groupByDate", () => {
  it("puts today first, then the six days before, then one group per month, newest first", () => {
    const files = [at("a", local(2026, 12, 4, 9)), at("b", local(2026, 12, 4, 0)), at("c", local(2026, 12, 3, 23)), at("d", local(2026, 11, 28)), at("e", local(2026, 11, 27)), at("f", local(2026, 11, 2)), at("g", local(2025, 12, 31))];
    const groups = groupByDate(files, now, "en-GB");
    expect(groups.map((g) => [g.key, g.label, g.files.map((f) => f.fileId).join("")])).toEqual([
      ["today", "Today", "ab"],
      ["week", "This week", "cd"],
      ["2026-11", "November 2026", "ef"],
      ["2025-12", "December 2025", "g"],
    ]);
  });

  it("counts a file still being uploaded (no date yet) as today's", () => {
    expect(groupByDate([at("p", "")], now).map((g) => g.key)).toEqual(["today"]);
  });

  it("gives nothing for no files", () => {
    expect(groupByDate([], now)).toEqual([]);
  });
});
