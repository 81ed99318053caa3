/** Short status messages: shown as a toast and read by screen readers through a polite live region. */
export interface Announcement {
  id: number;
  text: string;
  tone: "info" | "error";
}

export class Announcer {
  current: Announcement | undefined;
  private listeners = new Set<(a: Announcement | undefined) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  subscribe(fn: (a: Announcement | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  say(text: string, tone: Announcement["tone"] = "info"): void {
    this.current = { id: ++this.seq, text, tone };
    this.emit();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.dismiss(), tone === "error" ? 8_000 : 4_000);
  }

  dismiss(): void {
    this.current = undefined;
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn(this.current);
  }
}
