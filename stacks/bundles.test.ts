import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "@media/core/routes";
import { AGGREGATE, budgetOf, NEVER_AT_COLD_START, rootsIn, type Family } from "./bundle-budgets";
import { cachedBundle } from "./bundle-cache";
import { functionsOfStacks, packagesOf, type FunctionBundle } from "./bundles";
import { upgrades } from "./dedupe";
import { REPO_ROOT } from "./synth";

/**
 * Every function of the stacks, bundled as `sst deploy` bundles it (stacks/bundles.ts), held to the
 * budget of its family (stacks/bundle-budgets.ts), read from esbuild's metafile: deterministic, no
 * timing. A failure names the function, its family and what it loads. The bundles are those
 * stacks/stacks.test.ts compares with SST's assets and puts in the assets SST does not build, made once
 * for both (stacks/bundle-cache.ts).
 */
let bundles: Array<FunctionBundle & { family: Family }>;

/** Bundles built (or read from the cache) at once. */
const BUILDS_AT_ONCE = 4;

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

beforeAll(async () => {
  const functions = await functionsOfStacks();
  // A few at a time: while one waits for a bundle stacks/stacks.test.ts is making (bundle-cache.ts's
  // lock), the others build.
  const built: FunctionBundle[] = new Array(functions.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < functions.length; i = next++) built[i] = await cachedBundle(functions[i]!, REPO_ROOT);
  };
  await Promise.all(Array.from({ length: Math.min(BUILDS_AT_ONCE, functions.length) }, worker));
  bundles = [];
  for (const bundle of built) {
    const inputs = new Set(Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs)));
    const roots = rootsIn(inputs);
    expect(inputs.has(AGGREGATE), `${bundle.module} imports services.ts, the aggregate of every root: import its family's root under roots/ instead`).toBe(false);
    expect(roots.length, `${bundle.module} holds ${roots.join(", ")}: one composition root per function`).toBeLessThanOrEqual(1);
    bundles.push({ ...bundle, family: roots[0] ?? "none" });
  }
  const table = bundles.map((b) => `${b.module.padEnd(20)} ${b.family.padEnd(18)} ${kb(b.bytes).padStart(7)} at cold start, ${kb(b.totalBytes).padStart(7)} in all`);
  console.log(table.join("\n"));
  // Bundling every function (about 45 esbuild builds with metafiles) took 174 s on an empty cache at a
  // load average of 20, and a clean clone always starts empty: a guard against hangs, as for stacks.test.ts.
});

describe("function bundles", () => {
  it("are every function of the stacks: one per route handler, the authorizer, the indexer, the sweep and the renditions", () => {
    expect(bundles.map((b) => b.module).sort()).toEqual([...new Set(["authorizer", "indexer", "sweep", "renditions", ...ROUTES.map((r) => r.handler)])].sort());
  });

  it("each family's routes on their own root: auth routes on roots/auth, the other authenticated routes on roots/library or roots/account", () => {
    const family = (module: string) => bundles.find((b) => b.module === module)!.family;
    const auth = ["api/signup", "api/confirm", "api/resend-code", "api/login", "api/login-mfa", "api/refresh", "api/forgot-password", "api/reset-password", "api/logout"];
    // A person's own account security: Cognito, the session cut and the code limits, like the auth routes.
    const security = ["api/change-password", "api/logout-everywhere", "api/change-email", "api/verify-email", "api/mfa-setup", "api/mfa-verify", "api/mfa-disable"];
    for (const module of [...auth, ...security]) expect(family(module), module).toBe("roots/auth");
    expect(family("api/delete-account")).toBe("roots/account-data");
    expect(family("api/export-account")).toBe("roots/account-export");
    const elsewhere = new Set([...auth, ...security, "api/delete-account", "api/export-account", "api/me"]);
    for (const route of ROUTES.filter((r) => r.auth && !elsewhere.has(r.handler))) expect(family(route.handler), route.handler).toBe("roots/library");
    expect(family("api/open-share")).toBe("roots/library");
    expect(family("api/me")).toBe("roots/account");
    expect(family("authorizer")).toBe("roots/authorizer");
    expect(family("indexer")).toBe("roots/indexing");
    expect(family("sweep")).toBe("roots/maintenance");
    expect(family("renditions")).toBe("roots/renditions");
    expect(family("api/health")).toBe("none");
  });

  it("stay within their family's budget of bytes loaded at cold start", () => {
    const over = bundles
      .filter((b) => b.bytes > budgetOf(b.module, b.family).maxBytes)
      .map((b) => `${b.module} (${b.family}): ${kb(b.bytes)} > ${kb(budgetOf(b.module, b.family).maxBytes)}`);
    expect(over).toEqual([]);
  });

  it("hold no package their family must not load, and no tracer at cold start", () => {
    const found: string[] = [];
    for (const b of bundles) {
      const all = packagesOf(b.metafile);
      const eager = packagesOf(b.metafile, b.eager);
      const budget = budgetOf(b.module, b.family);
      for (const name of budget.never) if (all.has(name)) found.push(`${b.module} (${b.family}) holds ${name}`);
      for (const name of [...(budget.notAtColdStart ?? []), ...NEVER_AT_COLD_START]) if (eager.has(name)) found.push(`${b.module} (${b.family}) loads ${name} at cold start`);
    }
    expect(found).toEqual([]);
  });

  it("hold one copy of each AWS SDK package", () => {
    const twice: string[] = [];
    for (const b of bundles) {
      for (const [name, { versions }] of packagesOf(b.metafile)) {
        if (/^@(aws-sdk|smithy|aws-crypto)\//.test(name) && versions.size > 1) twice.push(`${b.module}: ${name} from ${[...versions].join(", ")}`);
      }
    }
    expect(twice).toEqual([]);
  });

  it("the authorizer's Cognito client is there, in a chunk loaded on demand", () => {
    const authorizer = bundles.find((b) => b.module === "authorizer")!;
    expect(packagesOf(authorizer.metafile).has("@aws-sdk/client-cognito-identity-provider")).toBe(true);
    expect(authorizer.totalBytes).toBeGreaterThan(authorizer.bytes);
  });
});

describe("the dedupe's version rule (a caret range of the copy found)", () => {
  it("takes the same or a later version of the same major, never an older or another major", () => {
    expect(upgrades("3.1164.0", "3.1175.0")).toBe(true);
    expect(upgrades("5.7.5", "5.7.5")).toBe(true);
    expect(upgrades("3.1175.0", "3.1164.0")).toBe(false);
    expect(upgrades("2.0.16", "5.7.5")).toBe(false);
    expect(upgrades("0.4.1", "0.5.0")).toBe(false);
    expect(upgrades("0.4.1", "0.4.3")).toBe(true);
    expect(upgrades(undefined, "1.0.0")).toBe(false);
  });
});
