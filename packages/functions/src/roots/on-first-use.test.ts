import { describe, expect, it } from "vitest";
import { onFirstUse } from "./on-first-use";

describe("a value built at its first use", () => {
  it("builds nothing until asked, then once for every call, those made while it loads included", async () => {
    let builds = 0;
    const value = onFirstUse(async () => ({ built: ++builds }));
    expect(builds).toBe(0);
    const [first, second] = await Promise.all([value(), value()]);
    expect(builds).toBe(1);
    expect(second).toBe(first);
    expect(await value()).toBe(first);
    expect(builds).toBe(1);
  });

  it("fails the calls that waited on a failed load, and loads again at the next call", async () => {
    let attempts = 0;
    const value = onFirstUse(async () => {
      attempts++;
      if (attempts === 1) throw new Error("chunk missing");
      return "loaded";
    });
    const waiting = [value(), value()];
    await expect(waiting[0]).rejects.toThrow("chunk missing");
    await expect(waiting[1]).rejects.toThrow("chunk missing");
    expect(attempts).toBe(1);
    expect(await value()).toBe("loaded");
    expect(await value()).toBe("loaded");
    expect(attempts).toBe(2);
  });
});
