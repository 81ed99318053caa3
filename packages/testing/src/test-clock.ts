import type { Clock } from "@media/core/ports";

/** The system's time plus an offset the test moves: time passes as usual, and jumps when told to. */
export interface TestClock extends Clock {
  /** Moves the clock `ms` forward, as if that long had passed. */
  advance(ms: number): void;
  /** Back to the system's time. */
  reset(): void;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance: (ms) => void (offsetMs += ms),
    reset: () => void (offsetMs = 0),
  };
}
