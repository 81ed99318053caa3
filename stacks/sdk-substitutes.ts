import path from "node:path";
import type { Plugin } from "esbuild";

/** The SDK's default credential chain, which every client's runtime config imports. */
export const DEFAULT_CHAIN = "@aws-sdk/credential-provider-node";

/** What the bundles get instead, under packages/functions/src: the environment alone (why there). */
export const LAMBDA_CREDENTIALS_MODULE = "packages/functions/src/lambda-credentials.ts";

/** The DynamoDB client's endpoint-discovery cache, built and never read (why in the module below). */
export const ENDPOINT_CACHE = "@aws-sdk/endpoint-cache";
export const NO_ENDPOINT_CACHE_MODULE = "packages/functions/src/no-endpoint-cache.ts";

/**
 * SDK packages the Lambda bundles replace with a module of ours, each module saying why; the tests and
 * the local runtime run the source with the real packages.
 */
export const SDK_SUBSTITUTES: Readonly<Record<string, string>> = {
  [DEFAULT_CHAIN]: LAMBDA_CREDENTIALS_MODULE,
  [ENDPOINT_CACHE]: NO_ENDPOINT_CACHE_MODULE,
};

const escaped = (name: string) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * Resolves every import of a package in {@link SDK_SUBSTITUTES} to its module. A plugin, listed before
 * dedupe.ts's: that one answers every `@aws-sdk/` import itself, so esbuild's `alias` option would
 * depend on the order in which esbuild applies the two.
 */
export function sdkSubstitutes(): Plugin {
  const filter = new RegExp(`^(${Object.keys(SDK_SUBSTITUTES).map(escaped).join("|")})$`);
  return {
    name: "sdk-substitutes",
    setup(build) {
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      build.onResolve({ filter }, (args) => ({ path: path.join(root, SDK_SUBSTITUTES[args.path]!) }));
    },
  };
}
