/**
 * The local stand-in for email: every confirmation and reset code the pool sends lands here, and so does
 * the service's own mail (the email-change notice, sent through the local SES, mail/ses-server.ts). It is
 * kept with the pool's state (so it survives a restart) and handed to the runtime, which prints it and
 * serves it at `GET /_local/outbox`.
 */
export interface OutboxMessage {
  to: string;
  subject: string;
  /** The code of a code email; absent from a notice. */
  code?: string;
  /** The body of a notice (a code email's is Cognito's template around the code). */
  text?: string;
  /** ISO 8601 time of sending. */
  at: string;
}

export interface Outbox {
  /** Messages, oldest first; only those sent to `to` (case-insensitive) when given. */
  messages(to?: string): OutboxMessage[];
}

/** Enough for any local session; older messages are dropped so the state file stays small. */
const KEEP = 1000;

export class LocalOutbox implements Outbox {
  constructor(
    private readonly kept: OutboxMessage[],
    private readonly onCode?: (message: OutboxMessage) => void,
  ) {}

  messages(to?: string): OutboxMessage[] {
    const wanted = to?.trim().toLowerCase();
    return this.kept.filter((m) => wanted === undefined || m.to === wanted).map((m) => ({ ...m }));
  }

  /** Records the message; the caller persists the state, then calls `announce`. */
  add(message: OutboxMessage): OutboxMessage {
    this.kept.push(message);
    if (this.kept.length > KEEP) this.kept.splice(0, this.kept.length - KEEP);
    return message;
  }

  announce(message: OutboxMessage): void {
    try {
      this.onCode?.({ ...message });
    } catch {
      // A failing printer must not fail the sign-up: the code is in the outbox either way.
    }
  }
}
