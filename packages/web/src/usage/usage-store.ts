import type { Me } from "../api/types";

/** The signed-in person's usage against their quota (GET /me), and the largest file size once learned. */
export class UsageStore {
  me: Me | undefined;
  error: unknown;
  private maxFileBytes: number | undefined;
  private listeners = new Set<(me: Me | undefined) => void>();
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly fetchMe: () => Promise<Me>,
    /** A deployment may state the per-file limit at build time (VITE_MAX_FILE_BYTES); otherwise a 413 teaches it. */
    maxFileBytes?: number,
  ) {
    this.maxFileBytes = maxFileBytes;
  }

  subscribe(fn: (me: Me | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  refresh(): Promise<void> {
    this.inflight ??= this.fetchMe()
      .then((me) => {
        this.me = me;
        this.error = undefined;
      })
      .catch((error: unknown) => {
        this.error = error;
      })
      .finally(() => {
        this.inflight = undefined;
        for (const fn of this.listeners) fn(this.me);
      });
    return this.inflight;
  }

  learnMaxFileBytes(bytes: number): void {
    this.maxFileBytes = bytes;
  }

  limits(): { remainingBytes?: number | undefined; maxFileBytes?: number | undefined } {
    const u = this.me?.usage;
    return {
      remainingBytes: u ? Math.max(0, u.quotaBytes - u.bytes) : undefined,
      maxFileBytes: this.maxFileBytes,
    };
  }

  clear(): void {
    this.me = undefined;
    for (const fn of this.listeners) fn(undefined);
  }
}
