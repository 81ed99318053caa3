import type { IncomingMessage, ServerResponse } from "node:http";
import type { ErrorCode } from "@media/core/error-codes";
import { readBody } from "../gateway/request-body";

/**
 * The local runtime's test-only control of the clock its user pool checks TOTP codes at. Cognito takes
 * each 30-second step's code once, so a test that signs in with codes again and again would otherwise
 * wait for the next step in real time; with this control it moves the pool's TOTP clock to that step.
 *
 * It exists only in a runtime started with the test flag (config.ts, TOTP_TEST_CLOCK_ENV): `npm start`
 * never serves it, and no stack deploys the local runtime. Only the TOTP check reads this clock; tokens,
 * sessions, emailed codes and the budget of wrong codes keep the system's time. The clock only moves
 * forward, as time does: a step already used stays used.
 */
export const TOTP_TEST_CLOCK_PATH = "/_local/test/totp-clock";

/** The most one call moves the clock: a test needs a step or two, never hours. */
export const MAX_TOTP_ADVANCE_MS = 10 * 60_000;

/** `GET` answers and `POST {advanceMs}` answers after moving: the pool's TOTP time, ms since the epoch. */
export interface TotpClockReading {
  now: number;
}

export interface TotpTestClock {
  now(): number;
  advance(ms: number): void;
  /** Answers requests to TOTP_TEST_CLOCK_PATH (true), leaves every other request alone (false). */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function totpTestClock(systemNow: () => number = Date.now): TotpTestClock {
  let offsetMs = 0;
  const now = () => systemNow() + offsetMs;
  const advance = (ms: number) => {
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TOTP_ADVANCE_MS) throw new RangeError(`advanceMs must be a whole number of milliseconds from 0 to ${MAX_TOTP_ADVANCE_MS}`);
    offsetMs += ms;
  };
  return {
    now,
    advance,
    async serve(req, res, url) {
      if (url.pathname !== TOTP_TEST_CLOCK_PATH) return false;
      if (req.method === "GET") return answer(res, 200, { now: now() } satisfies TotpClockReading);
      // As API Gateway answers a method no route has: the API's own 404, not a code outside ERROR_CODES.
      if (req.method !== "POST") return answer(res, 404, failure("NotFound", "GET reads the clock, POST {advanceMs} moves it; no other method."));
      const raw = await readBody(req, MAX_BODY_BYTES);
      if (raw === "too-large") return answer(res, 413, failure("BodyTooLarge", `The body is over ${MAX_BODY_BYTES} bytes.`));
      let body: unknown;
      try {
        if (raw === "aborted") throw new Error("aborted");
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        return answer(res, 400, failure("InvalidJson", "The body must be JSON: {advanceMs}."));
      }
      const ms = (body as { advanceMs?: unknown } | null)?.advanceMs;
      try {
        advance(typeof ms === "number" ? ms : Number.NaN);
      } catch (error) {
        return answer(res, 400, failure("ValidationError", (error as Error).message));
      }
      return answer(res, 200, { now: now() } satisfies TotpClockReading);
    },
  };
}

const MAX_BODY_BYTES = 1024;

function failure(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

function answer(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
  return true;
}
