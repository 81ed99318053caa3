import { defineConfig } from "vite";
// A relative import: Vite bundles the config itself and leaves workspace packages (raw .ts) to Node.
import { ROUTES } from "../core/src/routes.ts";

/**
 * The browser app. `vite build` writes dist/, which the local runtime serves at `/` and which a
 * StaticSite can upload as it is (hashed file names under assets/, so they can be cached for ever).
 * The API is same-origin by default; a deployed site sets VITE_API_URL at build time.
 *
 * `npm run dev -w @media/web` serves the sources with hot reload and forwards the API's paths to the
 * local runtime (`npm start` on port 3000; start it with WEB_ORIGIN=http://localhost:5173 so storage
 * accepts uploads from the dev server's origin).
 */
const apiTarget = process.env.API_PROXY_TARGET ?? "http://127.0.0.1:3000";
const apiPrefixes = [...new Set(ROUTES.map((r) => `/${r.path.split("/")[1]}`)), "/_local"];

export default defineConfig({
  // Preact's automatic JSX runtime (no React, no plugin needed).
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { target: "es2022", sourcemap: true },
  server: {
    // Whole first segments only ("^/s(/|?|$)"), so an API prefix never swallows /src/… of the dev server.
    // A browser navigating to /login (Accept: text/html) gets the app, not the API.
    proxy: Object.fromEntries(
      apiPrefixes.map((p) => [
        `^${p}(/|\\?|$)`,
        { target: apiTarget, changeOrigin: false, bypass: (req) => (req.method === "GET" && /text\/html/.test(req.headers.accept ?? "") ? "/index.html" : undefined) },
      ]),
    ),
  },
});
