import type { Clock } from "@media/core/ports";

/**
 * The clock every composition root builds its services with. Lambda and the local runtime keep the
 * system's; tests that move time (a share link's expiry) install theirs before the first handler runs.
 */
const systemClock: Clock = { now: () => Date.now() };
let current: Clock = systemClock;

export function useClock(next: Clock): void {
  current = next;
}

export function clock(): Clock {
  return current;
}
