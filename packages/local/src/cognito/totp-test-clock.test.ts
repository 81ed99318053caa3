import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocalConfig, TOTP_TEST_CLOCK_ENV } from "../config";
import { MAX_TOTP_ADVANCE_MS, TOTP_TEST_CLOCK_PATH, totpTestClock } from "./totp-test-clock";

describe("the test-only TOTP clock control", () => {
  it("is off unless the runtime is started with the flag on loopback, and a malformed flag is refused by name", () => {
    expect(parseLocalConfig({}).totpTestClock).toBe(false);
    expect(parseLocalConfig({ [TOTP_TEST_CLOCK_ENV]: "0" }).totpTestClock).toBe(false);
    expect(parseLocalConfig({ [TOTP_TEST_CLOCK_ENV]: "1" }).totpTestClock).toBe(true);
    expect(() => parseLocalConfig({ [TOTP_TEST_CLOCK_ENV]: "yes" })).toThrow(TOTP_TEST_CLOCK_ENV);
    // Only on loopback: a runtime others can reach never has it.
    expect(() => parseLocalConfig({ [TOTP_TEST_CLOCK_ENV]: "1", HOST: "0.0.0.0" })).toThrow(`${TOTP_TEST_CLOCK_ENV}=1 is for tests only`);
    expect(parseLocalConfig({ [TOTP_TEST_CLOCK_ENV]: "0", HOST: "0.0.0.0" }).totpTestClock).toBe(false);
  });

  it("is the system's time plus what it was moved by, only forward and within a bound", () => {
    let system = 1_000_000;
    const clock = totpTestClock(() => system);
    clock.advance(30_000);
    system += 5;
    expect(clock.now()).toBe(1_030_005);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(MAX_TOTP_ADVANCE_MS + 1)).toThrow(RangeError);
    expect(() => clock.advance(1.5)).toThrow(RangeError);
    expect(clock.now()).toBe(1_030_005);
  });

  describe("over HTTP", () => {
    let system = 1_000_000;
    const clock = totpTestClock(() => system);
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        void clock.serve(req, res, new URL(req.url ?? "/", "http://localhost")).then((served) => {
          if (!served) res.writeHead(404).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });
    const post = (body: string) => fetch(`${base}${TOTP_TEST_CLOCK_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body });

    it("reads with GET and moves with POST {advanceMs}", async () => {
      expect(await (await fetch(`${base}${TOTP_TEST_CLOCK_PATH}`)).json()).toEqual({ now: 1_000_000 });
      const moved = await post(JSON.stringify({ advanceMs: 60_000 }));
      expect(moved.status).toBe(200);
      expect(await moved.json()).toEqual({ now: 1_060_000 });
      system += 1;
      expect(clock.now()).toBe(1_060_001);
    });

    it("refuses bad input with 400 (413 when too large) and a reason, and leaves the clock where it was", async () => {
      const before = clock.now();
      const refusals: [body: string, status: number, code: string][] = [
        ["not json", 400, "InvalidJson"],
        ["null", 400, "ValidationError"],
        ["{}", 400, "ValidationError"],
        [JSON.stringify({ advanceMs: -30_000 }), 400, "ValidationError"],
        [JSON.stringify({ advanceMs: "30000" }), 400, "ValidationError"],
        [JSON.stringify({ advanceMs: MAX_TOTP_ADVANCE_MS + 1 }), 400, "ValidationError"],
        [JSON.stringify({ advanceMs: 1, padding: "x".repeat(2048) }), 413, "BodyTooLarge"],
      ];
      for (const [body, status, code] of refusals) {
        const res = await post(body);
        expect(res.status, body).toBe(status);
        expect(((await res.json()) as { error: { code: string } }).error.code, body).toBe(code);
      }
      const other = await fetch(`${base}${TOTP_TEST_CLOCK_PATH}`, { method: "DELETE" });
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe("NotFound");
      expect(clock.now()).toBe(before);
    });

    it("leaves every other path to the rest of the runtime", async () => {
      expect((await fetch(`${base}/_local/outbox`)).status).toBe(404);
      expect((await fetch(`${base}${TOTP_TEST_CLOCK_PATH}/x`)).status).toBe(404);
    });
  });
});
