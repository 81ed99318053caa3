import { parseMediaEvent, type MediaEvent } from "@media/core/media-event";
import type { Transport } from "./transport";

/** A media event as the API announces it (SNS, and the local runtime's live stream): the one schema's type. */
export type { MediaEvent };

/**
 * The signed-in user's media events as a server-sent event stream. The local runtime serves one
 * (`/_local/events`); a deployed API has none, and `open` answers undefined so callers poll instead.
 */
export class LiveEvents {
  readonly #listeners = new Set<(event: MediaEvent | undefined) => void>();
  #closed = false;
  private constructor(private readonly abort: AbortController) {}

  static async open(transport: Transport): Promise<LiveEvents | undefined> {
    const abort = new AbortController();
    let response: Response;
    try {
      const url = transport.url("/_local/events", { access_token: await transport.accessToken() });
      response = await transport.fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
    } catch {
      return undefined;
    }
    if (response.status !== 200 || !response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const live = new LiveEvents(abort);
    let connected!: (ok: boolean) => void;
    const subscribed = new Promise<boolean>((resolve) => (connected = resolve));
    void live.read(response.body.pipeThrough(new TextDecoderStream()).getReader(), connected);
    // Events are delivered from the stream's first message (its ": connected" comment) on.
    return (await subscribed) ? live : undefined;
  }

  private async read(reader: ReadableStreamDefaultReader<string>, connected: (ok: boolean) => void): Promise<void> {
    let buffered = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          connected(true);
          const data = message.split("\n").find((l) => l.startsWith("data: "));
          // Checked against the schema, not cast: what it refuses is skipped (waiters read the file anyway).
          const event = data ? parseMediaEvent(data.slice(6)) : undefined;
          if (event) for (const listener of [...this.#listeners]) listener(event);
        }
      }
    } catch {
      // Aborted by close(), or the connection dropped: waiters fall back to reading the file.
    } finally {
      connected(false);
      this.#closed = true;
      for (const listener of [...this.#listeners]) listener(undefined);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` for each event, and with undefined when the stream ends, until the returned function is called. */
  subscribe(listener: (event: MediaEvent | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.abort.abort();
  }
}
