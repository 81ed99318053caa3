import { stripVTControlCharacters } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { deliverLocalMail, renderPretty } from "./console-log";

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

describe("local mail delivery", () => {
  const mail = { to: "ann@example.com", subject: "Your confirmation code", code: "123456" };
  function fakeStream(isTTY: boolean) {
    const written: string[] = [];
    const stream = { isTTY, hasColors: () => false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    return { stream, written };
  }

  it("shows the code to a person at a terminal, with where else to read it", () => {
    const { stream, written } = fakeStream(true);
    deliverLocalMail(mail, stream);
    expect(written.join("")).toBe("✉ to ann@example.com: Your confirmation code: 123456   (also at /_local/outbox?to=ann%40example.com)\n");
  });

  it("never writes the code when the output is piped: it logs where to read it instead", () => {
    const { stream, written } = fakeStream(false);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const logSpy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void out.push(args.join(" ")));
    try {
      deliverLocalMail(mail, stream);
    } finally {
      spy.mockRestore();
      logSpy.mockRestore();
    }
    expect(written).toEqual([]);
    const text = out.join("");
    expect(text).toContain("email sent");
    expect(text).toContain("/_local/outbox");
    expect(text).not.toContain("123456");
  });
});
