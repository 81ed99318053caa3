import { MEDIA_EVENT_TYPES, parseMediaEvent } from "@media/core/media-event";
import type { MediaEvent } from "../api/types";

export type LiveStatus = "connecting" | "live" | "unavailable";

/** The part of EventSource used here (a test passes a fake). */
export interface EventSourceLike {
  onopen: ((e: Event) => void) | null;
  onerror: ((e: Event) => void) | null;
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

/**
 * The signed-in user's media events as they happen. Locally the runtime streams them as server-sent
 * events at /_local/events (EventSource cannot send headers, so the token goes in the query string);
 * a deployed API has no such route. A stream that never opens is "unavailable" and the app polls
 * instead; one that drops after working is reopened with a fresh token (the old one may have expired).
 */
export class LiveEvents {
  status: LiveStatus = "connecting";
  private source: EventSourceLike | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private stopped = false;
  private eventListeners = new Set<(e: MediaEvent) => void>();
  private statusListeners = new Set<(s: LiveStatus) => void>();

  constructor(
    private readonly baseUrl: string,
    private readonly accessToken: () => Promise<string>,
    private readonly open: EventSourceFactory = (url) => new EventSource(url),
  ) {}

  onEvent(fn: (e: MediaEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.source?.close();
    this.source = undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let token: string;
    try {
      token = await this.accessToken();
    } catch {
      return this.setStatus("unavailable");
    }
    if (this.stopped) return;
    let opened = false;
    const source = this.open(`${this.baseUrl}/_local/events?access_token=${encodeURIComponent(token)}`);
    this.source = source;
    source.onopen = () => {
      opened = true;
      this.attempts = 0;
      this.setStatus("live");
    };
    for (const type of MEDIA_EVENT_TYPES) {
      source.addEventListener(type, (e) => {
        const event = parseMediaEvent(e.data);
        // A malformed event is ignored: polling still settles the file.
        if (event?.type === type) for (const fn of this.eventListeners) fn(event);
      });
    }
    source.onerror = () => {
      source.close();
      if (this.source !== source || this.stopped) return;
      this.attempts++;
      if (!opened && this.attempts >= 2) {
        // No stream here (a deployed API): poll, and look again much later in case it was a blip.
        this.setStatus("unavailable");
        this.later(5 * 60_000);
        return;
      }
      this.setStatus("connecting");
      this.later(Math.min(30_000, 1000 * 2 ** (this.attempts - 1)));
    };
  }

  private later(ms: number): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), ms);
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }
}
