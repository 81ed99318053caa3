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
