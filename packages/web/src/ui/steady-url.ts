import { useRef, useState } from "preact/hooks";

/**
 * What became of the URL shown: "ok" (shown, or loading); "failed" (it failed and a fresh one was asked
 * for, not come yet); "broken" (a fresh one was asked for and failed too: the file itself cannot be shown,
 * so nothing more is asked).
 */
export type SteadyUrlStatus = "ok" | "failed" | "broken";

export interface SteadyUrl {
  /** The URL to give the element: the one already shown until there is a reason to change it. */
  url: string | undefined;
  status: SteadyUrlStatus;
  /**
   * The element could not load `url` (an <img> or <audio> error, a 403): most often, its signature expired.
   * Says whether another URL is coming (the newest known, or a fresh one asked for): false once the file is
   * broken, so that a caller waiting to restore something lets go.
   */
  failed(): boolean;
  /** The element loaded `url`: a later failure is a new expiry, worth asking again for. */
  loaded(): void;
  /** Takes the newest URL if it names another object (one held back by `hold`, at a moment that loses nothing). */
  takeNewer(): void;
}

interface Shown {
  url: string | undefined;
  status: SteadyUrlStatus;
  /** A fresh URL was asked for since this object last loaded: if it fails too, asking again would loop. */
  asked: boolean;
}

/**
 * The URL a media element should load, steady while `url` is only signed anew. Every list or fetch of a
 * file presigns its URLs again (a new signature and date in the query), and the library fetches files again
 * on live events; giving an element each of these reloads the same bytes (a fetch, a flicker, a player back
 * at 0). So a URL naming the object already shown is not taken, unless the shown one failed (it expired):
 * then the newest URL known is tried, or a fresh one asked for (`onStale`) once. A URL naming another object
 * (the preview, a stream rendition arriving) is taken at once, unless `hold` says now is not the moment.
 */
export function useSteadyUrl(url: string | undefined, onStale: () => void, hold?: () => boolean): SteadyUrl {
  const shown = useRef<Shown>({ url, status: "ok", asked: false });
  const newest = useRef(url);
  newest.current = url;
  const stale = useRef(onStale);
  stale.current = onStale;
  const [, redraw] = useState(0);

  const take = (next: string | undefined) => {
    const fresh = !sameObject(next, shown.current.url);
    shown.current = { url: next, status: "ok", asked: fresh ? false : shown.current.asked };
  };

  // Decided while rendering, so that a new object shows in this very render and a re-signed one never does.
  const s = shown.current;
  if (url !== s.url) {
    const other = !sameObject(url, s.url);
    if (s.status === "failed" || (other && !hold?.())) take(url);
  }

  return {
    url: shown.current.url,
    status: shown.current.status,
    failed: () => {
      const now = shown.current;
      if (now.status !== "ok") return now.status === "failed";
      // A newer URL came while this one was shown (kept then): try it before asking for another.
      if (newest.current !== now.url) take(newest.current);
      else if (now.asked) shown.current = { ...now, status: "broken" };
      else {
        shown.current = { ...now, status: "failed", asked: true };
        stale.current();
      }
      redraw((n) => n + 1);
      return shown.current.status !== "broken";
    },
    loaded: () => {
      shown.current.asked = false;
    },
    takeNewer: () => {
      if (sameObject(newest.current, shown.current.url)) return;
      take(newest.current);
      redraw((n) => n + 1);
    },
  };
}

/** The same stored object: presigned URLs of one key differ only in their query (signature, expiry). */
export function sameObject(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname === y.pathname;
  } catch {
    return a === b;
  }
}
