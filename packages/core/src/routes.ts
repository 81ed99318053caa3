/**
 * The one route table. The Api stack creates a route per entry, the local gateway serves the same
 * entries, and each names the handler module under packages/functions/src that serves it. Each also
 * needs its entry in contract/operations.ts (what it takes and answers): the OpenAPI document, and the
 * tests that check responses against it, refuse a route without one.
 */
export interface RouteDefinition {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** Module path under packages/functions/src, exporting `handler`. */
  handler: string;
  /** Whether the Lambda authorizer guards the route. */
  auth: boolean;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: "GET", path: "/health", handler: "api/health", auth: false },
  { method: "POST", path: "/signup", handler: "api/signup", auth: false },
  { method: "POST", path: "/confirm", handler: "api/confirm", auth: false },
  { method: "POST", path: "/resend-code", handler: "api/resend-code", auth: false },
  { method: "POST", path: "/login", handler: "api/login", auth: false },
  { method: "POST", path: "/refresh", handler: "api/refresh", auth: false },
  { method: "POST", path: "/forgot-password", handler: "api/forgot-password", auth: false },
  { method: "POST", path: "/reset-password", handler: "api/reset-password", auth: false },
  { method: "POST", path: "/logout", handler: "api/logout", auth: true },
  { method: "POST", path: "/upload", handler: "api/upload", auth: true },
  { method: "GET", path: "/retrieve", handler: "api/retrieve", auth: true },
  { method: "GET", path: "/files/{fileId}", handler: "api/get-file", auth: true },
  { method: "GET", path: "/files/{fileId}/download", handler: "api/download-file", auth: true },
  { method: "PATCH", path: "/files/{fileId}", handler: "api/update-file", auth: true },
  { method: "DELETE", path: "/files/{fileId}", handler: "api/delete-file", auth: true },
  // Multipart uploads (POST /upload with method "multipart"): part URLs, what arrived, completion.
  { method: "POST", path: "/files/{fileId}/parts", handler: "api/sign-parts", auth: true },
  { method: "GET", path: "/files/{fileId}/parts", handler: "api/list-parts", auth: true },
  { method: "POST", path: "/files/{fileId}/complete", handler: "api/complete-upload", auth: true },
  { method: "POST", path: "/files/{fileId}/share", handler: "api/share-file", auth: true },
  { method: "GET", path: "/files/{fileId}/shares", handler: "api/list-shares", auth: true },
  { method: "DELETE", path: "/files/{fileId}/share/{shareId}", handler: "api/revoke-share", auth: true },
  // A share link: public, the token in the path is the credential (sharing.ts).
  { method: "GET", path: "/s/{token}", handler: "api/open-share", auth: false },
  { method: "GET", path: "/me", handler: "api/me", auth: true },
  // The OpenAPI description of this table (contract/openapi.ts): public, like the README.
  { method: "GET", path: "/openapi.json", handler: "api/openapi", auth: false },
  // Account security and control (account-security.ts, account-deletion.ts, account-export.ts).
  { method: "POST", path: "/login/mfa", handler: "api/login-mfa", auth: false },
  { method: "POST", path: "/me/password", handler: "api/change-password", auth: true },
  { method: "POST", path: "/me/logout-everywhere", handler: "api/logout-everywhere", auth: true },
  { method: "DELETE", path: "/me", handler: "api/delete-account", auth: true },
  { method: "GET", path: "/me/export", handler: "api/export-account", auth: true },
  { method: "POST", path: "/me/mfa/totp", handler: "api/mfa-setup", auth: true },
  { method: "POST", path: "/me/mfa/totp/verify", handler: "api/mfa-verify", auth: true },
  { method: "DELETE", path: "/me/mfa", handler: "api/mfa-disable", auth: true },
  { method: "POST", path: "/me/email", handler: "api/change-email", auth: true },
  { method: "POST", path: "/me/email/verify", handler: "api/verify-email", auth: true },
];

export function routeKey(route: Pick<RouteDefinition, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
