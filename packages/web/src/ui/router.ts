import { useEffect, useState } from "preact/hooks";

/**
 * Five account pages and the library, each at its own path so the back button and reloads work; the
 * local runtime (and a StaticSite's error page) serve index.html for any path the API doesn't own.
 */
export type Route = "/" | "/login" | "/signup" | "/confirm" | "/forgot" | "/reset" | "/security";
const ROUTES: readonly Route[] = ["/", "/login", "/signup", "/confirm", "/forgot", "/reset", "/security"];
/** The pages of a signed-in person; the others are the account pages of someone signed out. */
export const SIGNED_IN_ROUTES: readonly Route[] = ["/", "/security"];

const listeners = new Set<() => void>();

export function currentRoute(): Route {
  const p = location.pathname.replace(/\/+$/, "") || "/";
  return (ROUTES as readonly string[]).includes(p) ? (p as Route) : "/";
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  if (route !== currentRoute()) {
    if (options.replace) history.replaceState(null, "", route);
    else history.pushState(null, "", route);
  }
  for (const fn of listeners) fn();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
}

/**
 * The file open in the viewer rides in the query (`/?file=<id>`), so back closes it, a reload reopens
 * it, and the link can be kept. Opening pushes one history entry; moving to the previous or next file
 * replaces it, so back leaves the viewer instead of stepping through every file seen.
 */
const VIEWER_PARAM = "file";

export function viewedFile(): string | undefined {
  return new URLSearchParams(location.search).get(VIEWER_PARAM) ?? undefined;
}

export function viewFile(fileId: string): void {
  const url = `${location.pathname}?${new URLSearchParams({ [VIEWER_PARAM]: fileId })}`;
  const state = history.state as { viewer?: boolean } | null;
  if (viewedFile() !== undefined) history.replaceState(state, "", url);
  else history.pushState({ viewer: true }, "", url);
  for (const fn of listeners) fn();
}

export function closeViewer(): void {
  if (viewedFile() === undefined) return;
  // Opened from here: going back restores the page as it was. Opened from a link or a reload: drop the query.
  if ((history.state as { viewer?: boolean } | null)?.viewer) {
    history.back();
    return;
  }
  history.replaceState(null, "", location.pathname);
  for (const fn of listeners) fn();
}

export function useViewedFile(): string | undefined {
  const [id, setId] = useState(viewedFile);
  useEffect(() => {
    const update = () => setId(viewedFile());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return id;
}
