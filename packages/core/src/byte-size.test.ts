import { describe, expect, it } from "vitest";
import { formatBytes } from "./byte-size";

describe("formatBytes", () => {
  it("names binary multiples by their IEC names, with at most three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1 KiB");
    expect(formatBytes(32_051)).toBe("31.3 KiB");
    expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.5 GiB");
    expect(formatBytes(2 * 1024 ** 3)).toBe("2 GiB");
    expect(formatBytes(120 * 1024 ** 2)).toBe("120 MiB");
  });

  it("says nothing false for what is not a size", () => {
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});
