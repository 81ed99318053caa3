import { isFinished, type UploadItem } from "../upload/upload-queue";

/** How finished uploads are told: what settled well collapses into one line, problems keep their rows. */
export type Outcome = "ready" | "rejected" | "refused" | "failed" | "cancelled";

const PHRASES: Record<Outcome, string> = {
  ready: "ready",
  rejected: "rejected",
  refused: "not uploaded",
  failed: "failed",
  cancelled: "cancelled",
};
const ORDER: readonly Outcome[] = ["ready", "rejected", "refused", "failed", "cancelled"];

/** Rows that need the person's attention (a reason to read) stay until dismissed; the others collapse. */
export function needsAttention(item: UploadItem): boolean {
  const k = item.state.kind;
  return k === "rejected" || k === "refused" || k === "failed";
}

export interface BatchSummary {
  text: string;
  tone: "info" | "error";
  counts: Partial<Record<Outcome, number>>;
}

/** "3 files ready, 1 rejected"; one file is named ("cat.png is ready"). Only finished items count. */
export function summarize(items: readonly UploadItem[]): BatchSummary | undefined {
  const finished = items.filter((i) => isFinished(i.state));
  if (finished.length === 0) return undefined;
  const counts: Partial<Record<Outcome, number>> = {};
  for (const i of finished) {
    const k = i.state.kind as Outcome;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const tone = counts.rejected || counts.failed || counts.refused ? "error" : "info";
  if (finished.length === 1) {
    const only = finished[0]!;
    return { text: `${only.name} ${only.state.kind === "refused" ? "was not uploaded" : `is ${PHRASES[only.state.kind as Outcome]}`}`, tone, counts };
  }
  const parts = ORDER.filter((o) => counts[o]).map((o, n) => (n === 0 ? `${counts[o]} ${counts[o] === 1 ? "file" : "files"} ${PHRASES[o]}` : `${counts[o]} ${PHRASES[o]}`));
  return { text: parts.join(", "), tone, counts };
}

/** A timer the UI can be given, so tests advance time themselves instead of waiting for it. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How long the line for a finished batch stays before it folds away. */
export const SUMMARY_LINGER_MS = 5_000;
