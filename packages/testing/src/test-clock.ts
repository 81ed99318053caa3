import type { Clock } from "@media/core/ports";

/** The system's time plus an offset the test moves: time passes as usual, and jumps when told to. */
export interface TestClock extends Clock {
  /** Moves the clock `ms` forward, as if that long had passed. */
  advance(ms: number): void;
  /** Stops time where it is: only `advance` moves it then, however slow the machine. */
  freeze(): void;
  /** Back to the system's time. */
  reset(): void;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  let frozenAt: number | undefined;
  return {
    now: () => (frozenAt ?? Date.now()) + offsetMs,
    advance: (ms) => void (offsetMs += ms),
    freeze: () => void (frozenAt ??= Date.now()),
    reset: () => {
      offsetMs = 0;
      frozenAt = undefined;
    },
  };
}
