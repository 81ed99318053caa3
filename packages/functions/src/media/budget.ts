import type { Clock } from "@media/core/ports";
import { clock } from "../clock";

/**
 * What one parser may spend on one file: bytes handed to it and wall-clock time. Parsers allocate (and
 * often keep) what they read, so the bytes they are handed bound their memory; a deadline checked before
 * every read stops a parser that walks a hostile structure for ever. A parser over either budget is
 * stopped with BudgetExceededError, and the caller describes the file without that part, or refuses it.
 */
export interface Budget {
  /** Bytes the parser may be handed, in all. */
  maxBytes: number;
  /** Epoch ms after which no read is answered. */
  deadline: number;
  /** What `deadline` is compared with; the functions' clock() (see ../clock) unless given. */
  clock?: Clock;
}

export type BudgetKind = "bytes" | "time";

export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
  constructor(readonly kind: BudgetKind) {
    super(kind === "bytes" ? "the parser's byte budget is spent" : "the parser's time budget is spent");
  }
}

/**
 * Counts what a parser is handed against its budget. `exceeded` stays set once a read was refused, since
 * some parsers swallow read errors and return what they had: the caller must still know.
 */
export class Meter {
  bytes = 0;
  exceeded: BudgetExceededError | undefined;
  constructor(readonly budget: Budget) {}

  /** Throws if `length` more bytes, or a read now, would overspend. */
  charge(length: number, now = (this.budget.clock ?? clock()).now()): void {
    if (this.exceeded) throw this.exceeded;
    if (now > this.budget.deadline) this.exceeded = new BudgetExceededError("time");
    else if (this.bytes + length > this.budget.maxBytes) this.exceeded = new BudgetExceededError("bytes");
    if (this.exceeded) throw this.exceeded;
    this.bytes += length;
  }
}
