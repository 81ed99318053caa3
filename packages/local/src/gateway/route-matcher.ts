import type { RouteDefinition } from "@media/core/routes";

export interface RouteMatch {
  route: RouteDefinition;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
}

interface Compiled {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

/**
 * API Gateway HTTP API route selection: `{name}` matches one path segment, and the most specific route
 * wins (literal segments before parameters). A path with no route for its method is a 404, as on AWS.
 */
export function createRouteMatcher(routes: readonly RouteDefinition[]) {
  const compiled: Compiled[] = routes
    .map((route) => {
      const names: string[] = [];
      const source = route.path
        .split("/")
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          names.push(param[1]!);
          return "([^/]+)";
        })
        .join("/");
      return { route, pattern: new RegExp(`^${source}$`), names };
    })
    // Fewer parameters first: `/files/{id}/download` never loses to a greedier pattern.
    .sort((a, b) => a.names.length - b.names.length);

  return (method: string, path: string): RouteMatch | undefined => {
    for (const c of compiled) {
      if (c.route.method !== method) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      let pathParameters: Record<string, string> | undefined;
      if (c.names.length > 0) {
        pathParameters = {};
        c.names.forEach((name, i) => {
          pathParameters![name] = decodeURIComponent(m[i + 1]!);
        });
      }
      return { route: c.route, routeKey: `${c.route.method} ${c.route.path}`, pathParameters };
    }
    return undefined;
  };
}
