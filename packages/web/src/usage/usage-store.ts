import type { Me } from "../api/types";

export interface Limits {
  /** Quota left for new uploads: quota − stored − reserved. */
  remainingBytes?: number | undefined;
  maxFileBytes?: number | undefined;
  /** Present when the API reports reservedBytes: the number of the GET /me request they were counted by. */
  reservedAsOf?: number;
}

/** The signed-in person's usage against their quota, and the largest file accepted (GET /me). */
export class UsageStore {
  me: Me | undefined;
  error: unknown;
  /** From the build (VITE_MAX_FILE_BYTES) or a 413; GET /me's own limits take precedence when it sends them. */
  private maxFileBytes: number | undefined;
  private listeners = new Set<(me: Me | undefined) => void>();
  private inflight: Promise<void> | undefined;
  /** GET /me requests started so far, and the number of the one that answered `me`. */
  private requests = 0;
  private meRequest = 0;

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
    if (this.inflight) return this.inflight;
    const request = ++this.requests;
    this.inflight = this.fetchMe()
      .then((me) => {
        this.me = me;
        this.meRequest = request;
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

  /**
   * A stamp for "now" on GET /me's clock: an upload the API accepted at stamp n is among the
   * reservedBytes of every answer whose `reservedAsOf` is above n.
   */
  sequence(): number {
    return this.requests;
  }

  /** Bytes left count stored and reserved bytes; `reservedAsOf` says which answer the reservations come from. */
  limits(): Limits {
    const me = this.me;
    if (!me) return { remainingBytes: undefined, maxFileBytes: this.maxFileBytes };
    const quotaBytes = me.limits?.quotaBytes ?? me.usage.quotaBytes;
    const reserved = me.usage.reservedBytes;
    const limits: Limits = {
      remainingBytes: Math.max(0, quotaBytes - me.usage.bytes - (reserved ?? 0)),
      maxFileBytes: me.limits?.maxFileBytes ?? this.maxFileBytes,
    };
    if (reserved !== undefined) limits.reservedAsOf = this.meRequest;
    return limits;
  }

  clear(): void {
    this.me = undefined;
    for (const fn of this.listeners) fn(undefined);
  }
}
