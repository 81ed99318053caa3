import { afterEach, describe, expect, it } from "vitest";
import { clock, useClock } from "../clock";
import { BudgetExceededError, Meter } from "./budget";

const systemClock = clock();
afterEach(() => useClock(systemClock));

describe("Meter", () => {
  it("reads the time from the functions' clock when its budget names none, as describeAudio does", () => {
    const deadline = Date.now() + 60_000;
    const meter = new Meter({ maxBytes: 100, deadline });
    meter.charge(10);
    // The installed clock says the deadline has passed, though the system's time has not reached it.
    useClock({ now: () => deadline + 1 });
    expect(() => meter.charge(10)).toThrow(BudgetExceededError);
    expect(meter.exceeded?.kind).toBe("time");
    expect(meter.bytes).toBe(10);
  });

  it("prefers the budget's own clock, and counts bytes against maxBytes", () => {
    const meter = new Meter({ maxBytes: 100, deadline: 1_000, clock: { now: () => 0 } });
    meter.charge(60);
    expect(() => meter.charge(41)).toThrow(BudgetExceededError);
    expect(meter.exceeded?.kind).toBe("bytes");
    // Once refused, every later read is refused too.
    expect(() => meter.charge(1)).toThrow(BudgetExceededError);
  });
});
