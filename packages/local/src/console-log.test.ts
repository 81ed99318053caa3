import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { renderPretty } from "./console-log";

describe("terminal log lines", () => {
  const entry = {
    level: "INFO",
    message: "upload presigned",
    timestamp: "2026-11-30T05:40:01.234Z",
    service: "media-storage",
    requestId: "r-1",
    sub: "u-1",
    fileId: "01J",
    size: 203,
    issues: [{ path: ["a"] }],
  };

  it("put the time, the level and the message first, then the fields as key=value, without repeating the service", () => {
    expect(renderPretty(entry, false)).toBe('05:40:01 INFO  upload presigned  requestId=r-1 sub=u-1 fileId=01J size=203 issues=[{"path":["a"]}]');
  });

  it("are coloured for a terminal, and say the same once the colours are taken out", () => {
    const coloured = renderPretty(entry, true);
    expect(coloured).not.toBe(renderPretty(entry, false));
    expect(coloured).toContain("\u001b[");
    expect(stripVTControlCharacters(coloured)).toBe(renderPretty(entry, false));
  });

  it("show an error's name and message on the line and its stack below", () => {
    const text = renderPretty(
      { level: "ERROR", message: "request failed", timestamp: "2026-11-30T05:40:02.000Z", error: { name: "TypeError", message: "boom", stack: "TypeError: boom\n    at f (a.ts:1:1)" } },
      false,
    );
    expect(text).toBe("05:40:02 ERROR request failed  error=TypeError: boom\n    at f (a.ts:1:1)");
  });
});
