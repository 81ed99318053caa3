import { describe, expect, it } from "vitest";
import { createProgress } from "./progress";

function sink(isTTY: boolean) {
  let out = "";
  return { stream: { isTTY, columns: 80, write: (s: string) => (out += s) }, text: () => out };
}

describe("createProgress", () => {
  it("redraws one bar in place on a terminal, with lines logged above it", () => {
    const s = sink(true);
    let t = 0;
    const p = createProgress({ label: "redrive", total: 4, stream: s.stream, now: () => (t += 1000) });
    p.tick();
    p.log("a message");
    p.tick(3);
    p.done("4 re-driven");
    const out = s.text();
    expect(out).toContain("\r\x1b[2K[");
    expect(out).toContain("redrive 4/4");
    expect(out).toContain("a message\n");
    expect(out.endsWith("redrive: 4 re-driven\n")).toBe(true);
  });

  it("writes plain lines, about one per 10%, when not a terminal", () => {
    const s = sink(false);
    const p = createProgress({ label: "redrive", total: 100, stream: s.stream });
    for (let i = 0; i < 100; i++) p.tick();
    p.done("done");
    const lines = s.text().trim().split("\n");
    expect(lines.every((l) => !l.includes("\r") && !l.includes("\x1b"))).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-2)).toMatch(/^redrive 100\/100/);
    expect(lines.at(-1)).toBe("redrive: done");
  });

  it("prints only the summary when there was nothing to do", () => {
    const s = sink(false);
    createProgress({ label: "redrive", total: 0, stream: s.stream }).done("nothing to do");
    expect(s.text()).toBe("redrive: nothing to do\n");
  });
});
