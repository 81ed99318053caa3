import { generate } from "otplib";
import { expect } from "vitest";
import { TOTP_TEST_CLOCK_PATH, type TotpClockReading } from "@media/local/cognito/totp-test-clock";

const STEP_MS = 30_000;
/**
 * A code for the step before the pool's clock is offered only while this much of the current step is
 * left: it must reach the pool before the step ends (a page's fill, click and request, on a busy machine).
 */
const EARLY_STEP_MARGIN_MS = 20_000;

export interface Authenticator {
  /** A code the pool takes now, for a step after every one used before. */
  nextCode(): Promise<string>;
  /** Six digits the pool refuses as wrong (not as reused): no step's code it could accept for a while. */
  wrongCode(): Promise<string>;
}

/** The clock a pool checks TOTP codes at, read and moved from the test. */
export interface PoolTotpClock {
  now(): Promise<number>;
  /** Moves it `ms` forward. */
  advance(ms: number): Promise<void>;
}

/**
 * The TOTP clock of a runtime started with the test flag (TOTP_TEST_CLOCK_ENV, which
 * @media/testing/browser-runtime sets), through its test-only control.
 */
export function runtimeTotpClock(runtimeUrl: string): PoolTotpClock {
  const call = async (init?: RequestInit) => {
    const res = await fetch(`${runtimeUrl}${TOTP_TEST_CLOCK_PATH}`, init);
    if (res.status !== 200) throw new Error(`the runtime's TOTP clock answered ${res.status} (is it started with the test flag?): ${await res.text()}`);
    return ((await res.json()) as TotpClockReading).now;
  };
  return {
    now: () => call(),
    advance: async (ms) => void (await call({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs: ms }) })),
  };
}

/**
 * An authenticator app for one account's TOTP secret, as a test drives it. The pool takes a code for
 * the step before its clock, its step or the one after (packages/local/src/cognito/software-token.ts,
 * as Cognito does), and each step's code once, in increasing order.
 *
 * Given the pool's clock, each code is for a step ahead of it and after the last one used, and the clock
 * is moved to that step's start: nothing waits, and the code stays good for that step and the next (a
 * minute), however slow the machine. Without it, each new code is for the earliest step after the last
 * one used that the pool will still take when the code reaches it: three codes fit in one step, and only
 * a fourth waits for the clock to turn (the event that matters).
 */
export function authenticator(secret: string, poolClock?: PoolTotpClock): Authenticator {
  let lastStep = -Infinity;
  const codeFor = (step: number) => generate({ secret, epoch: step * (STEP_MS / 1000) });
  const wrongAt = async (now: number) => {
    const step = Math.floor(now / STEP_MS);
    const valid = new Set(await Promise.all([-2, -1, 0, 1, 2, 3].map((d) => codeFor(step + d))));
    return ["000000", "111111", "222222", "333333"].find((c) => !valid.has(c))!;
  };
  if (poolClock) {
    return {
      async nextCode() {
        // Always a step ahead of the clock, moved to its start: the code then has a minute, not a moment.
        const now = await poolClock.now();
        const step = Math.max(lastStep + 1, Math.floor(now / STEP_MS) + 1);
        await poolClock.advance(step * STEP_MS - now);
        lastStep = step;
        return codeFor(step);
      },
      wrongCode: async () => wrongAt(await poolClock.now()),
    };
  }
  return {
    async nextCode() {
      const earliest = () => {
        const now = Date.now();
        const step = Math.floor(now / STEP_MS);
        const left = (step + 1) * STEP_MS - now;
        return Math.max(lastStep + 1, left >= EARLY_STEP_MARGIN_MS ? step - 1 : step);
      };
      // The step after the clock's is the last one the pool takes; past that, wait for the clock to turn.
      await expect.poll(() => earliest() <= Math.floor(Date.now() / STEP_MS) + 1, { timeout: 2 * STEP_MS + 5_000, interval: 250 }).toBe(true);
      lastStep = earliest();
      return codeFor(lastStep);
    },
    wrongCode: () => wrongAt(Date.now()),
  };
}
