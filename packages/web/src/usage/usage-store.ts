import type { Me } from "../api/types";

/** The signed-in person's usage against their quota, and the largest file accepted (GET /me). */
export class UsageStore {
  me: Me | undefined;
  error: unknown;
  /** From the build (VITE_MAX_FILE_BYTES) or a 413; GET /me's own limits take precedence when it sends them. */
  private maxFileBytes: number | undefined;
  private listeners = new Set<(me: Me | undefined) => void>();
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly fetchMe: () => Promise<Me>,
    /** A deployment may state the per-file limit at build time (VITE_MAX_FILE_BYTES), for an API whose /me has no limits. */
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

  /** Settles once GET /me has answered (or failed): asks for it when nothing is known yet. */
  ready(): Promise<void> {
    if (this.me) return Promise.resolve();
    return this.inflight ?? this.refresh();
  }

  learnMaxFileBytes(bytes: number): void {
    this.maxFileBytes = bytes;
  }

  limits(): { remainingBytes?: number | undefined; maxFileBytes?: number | undefined } {
    const me = this.me;
    if (!me) return { remainingBytes: undefined, maxFileBytes: this.maxFileBytes };
    const quotaBytes = me.limits?.quotaBytes ?? me.usage.quotaBytes;
    return {
      remainingBytes: Math.max(0, quotaBytes - me.usage.bytes),
      maxFileBytes: me.limits?.maxFileBytes ?? this.maxFileBytes,
    };
  }

  clear(): void {
    this.me = undefined;
    for (const fn of this.listeners) fn(undefined);
  }
}
