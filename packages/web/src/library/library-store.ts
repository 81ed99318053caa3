import { AbortedError } from "../api/errors";
import type { FilePage, MediaFile } from "../api/types";

export type KindFilter = "all" | "image" | "audio";

export interface LibraryState {
  files: MediaFile[];
  filter: { type: KindFilter; q: string };
  nextCursor: string | null;
  /** The first page of the current filter has arrived. */
  loaded: boolean;
  loading: boolean;
  error?: unknown;
}

export interface LibraryDeps {
  list(query: { limit: number; cursor?: string | undefined; type?: "image" | "audio" | undefined; q?: string | undefined }, signal: AbortSignal): Promise<FilePage>;
  getFile(fileId: string): Promise<MediaFile>;
  pageSize?: number;
  now?: () => number;
}

/** Presigned URLs last 15 minutes; a file whose URLs are older than this is fetched again before use. */
const URL_FRESH_MS = 10 * 60_000;

/**
 * The library as the person sees it: the pages loaded so far for one filter, plus files that appeared
 * meanwhile (uploads, live events) merged in by id. ULIDs sort by upload time, so newest-first order
 * is the id order and a file inserted locally lands exactly where the API would list it.
 *
 * Answers arrive in any order (a live event's fetch, a page, a delete may overlap), so each request
 * takes a tick when it starts and a file's copy is replaced only by an answer started no earlier than
 * the one it came from, nor earlier than a change made here (a rename). A deleted file is never shown
 * again: a delete cannot be undone and ids are never reused, so no answer, however old, brings it back.
 */
export class LibraryStore {
  state: LibraryState = { files: [], filter: { type: "all", q: "" }, nextCursor: null, loaded: false, loading: false };
  private listeners = new Set<(s: LibraryState) => void>();
  private controller: AbortController | undefined;
  private fetchedAt = new Map<string, number>();
  private readonly now: () => number;
  /** Counts requests started and changes made here; orders what they bring. */
  private tick = 0;
  /** Per file shown: the tick of the request its copy came from, or of the change made here. */
  private seenAt = new Map<string, number>();
  private deleted = new Set<string>();

  constructor(private readonly deps: LibraryDeps) {
    this.now = deps.now ?? Date.now;
  }

  subscribe(fn: (s: LibraryState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A new filter starts over from the first page; requests for the old one are abandoned. */
  setFilter(filter: Partial<LibraryState["filter"]>): void {
    const next = { ...this.state.filter, ...filter };
    const same = next.type === this.state.filter.type && next.q === this.state.filter.q;
    if (same && (this.state.loaded || this.state.loading)) return;
    this.controller?.abort();
    this.set({ files: [], filter: next, nextCursor: null, loaded: false, loading: false });
    void this.load();
  }

  reload(): void {
    this.controller?.abort();
    this.set({ ...this.state, files: [], nextCursor: null, loaded: false, loading: false, error: undefined });
    void this.load();
  }

  /** The next page, if there is one and none is on its way (the infinite scroll's sentinel calls this). */
  loadMore(): void {
    if (this.state.loading || !this.state.loaded || !this.state.nextCursor || this.state.error) return;
    void this.load();
  }

  get hasMore(): boolean {
    return !this.state.loaded || this.state.nextCursor !== null;
  }

  private async load(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const startedAt = ++this.tick;
    const { filter, nextCursor, loaded } = this.state;
    this.set({ ...this.state, loading: true, error: undefined });
    try {
      const page = await this.deps.list(
        {
          limit: this.deps.pageSize ?? 30,
          cursor: loaded ? (nextCursor ?? undefined) : undefined,
          type: filter.type === "all" ? undefined : filter.type,
          q: filter.q.trim() || undefined,
        },
        controller.signal,
      );
      if (controller.signal.aborted) return;
      const files = this.newer(page.files, startedAt);
      this.set({ ...this.state, files: merge(this.state.files, files), nextCursor: page.nextCursor, loaded: true, loading: false });
    } catch (error) {
      if (controller.signal.aborted || error instanceof AbortedError) return;
      this.set({ ...this.state, loading: false, error });
    }
  }

  /**
   * A file appeared or changed as an upload learnt it (accepted, verdict): shown if the current filter
   * wants it. When the upload's request started is not known here, so the copy counts as started with
   * the newest request so far: that request's answer (a renditions event's fetch, say) may still replace
   * it, being likely newer; answers of requests started before it may not.
   */
  upsert(file: MediaFile): void {
    this.put(file, this.tick);
  }

  /** A change made here (a rename answered): newer than every answer still on its way, which it outlives. */
  changed(file: MediaFile): void {
    this.put(file, ++this.tick);
  }

  /** The file was deleted (here, answered, or elsewhere, by its event). */
  remove(fileId: string): void {
    this.deleted.add(fileId);
    this.fetchedAt.delete(fileId);
    this.seenAt.delete(fileId);
    this.set({ ...this.state, files: this.state.files.filter((f) => f.fileId !== fileId) });
  }

  /** The file with URLs young enough to use now (fetched again when they are about to expire); undefined once deleted. */
  async fresh(fileId: string): Promise<MediaFile | undefined> {
    const current = this.state.files.find((f) => f.fileId === fileId);
    const at = this.fetchedAt.get(fileId);
    if (current && at !== undefined && this.now() - at < URL_FRESH_MS) return current;
    const file = await this.fetch(fileId);
    return this.deleted.has(fileId) ? undefined : file;
  }

  /** Fetches a file again (its URLs expired, or an event said it changed). */
  refresh(fileId: string): Promise<MediaFile> {
    return this.fetch(fileId);
  }

  private async fetch(fileId: string): Promise<MediaFile> {
    const startedAt = ++this.tick;
    const file = await this.deps.getFile(fileId);
    this.put(file, startedAt);
    return file;
  }

  private put(file: MediaFile, at: number): void {
    const exists = this.state.files.some((f) => f.fileId === file.fileId);
    if (!exists && !this.matches(file)) return;
    const files = this.newer([file], at);
    if (files.length > 0) this.set({ ...this.state, files: merge(this.state.files, files) });
  }

  /** Of the files an answer brought, those it may show (see the class comment), marked as seen then. */
  private newer(files: MediaFile[], startedAt: number): MediaFile[] {
    const t = this.now();
    const shown = new Set(this.state.files.map((f) => f.fileId));
    return files.filter((f) => {
      if (this.deleted.has(f.fileId)) return false;
      if (shown.has(f.fileId) && (this.seenAt.get(f.fileId) ?? 0) > startedAt) return false;
      this.seenAt.set(f.fileId, startedAt);
      // Only URLs age: a copy without them (pending, rejected) is fetched again when it is opened.
      if (f.fileUrl) this.fetchedAt.set(f.fileId, t);
      else this.fetchedAt.delete(f.fileId);
      return true;
    });
  }

  private matches(file: MediaFile): boolean {
    const { type, q } = this.state.filter;
    if (type !== "all" && !file.contentType.startsWith(`${type}/`)) return false;
    const needle = q.trim().toLowerCase();
    return !needle || file.fileName.toLowerCase().includes(needle);
  }

  private set(state: LibraryState): void {
    this.state = state;
    for (const fn of this.listeners) fn(state);
  }
}

/** Newest first, by id; a later copy of a file replaces the earlier one. */
function merge(current: MediaFile[], incoming: MediaFile[]): MediaFile[] {
  const byId = new Map(current.map((f) => [f.fileId, f]));
  for (const f of incoming) byId.set(f.fileId, f);
  return [...byId.values()].sort((a, b) => (a.fileId < b.fileId ? 1 : a.fileId > b.fileId ? -1 : 0));
}
