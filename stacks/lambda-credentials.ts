import path from "node:path";
import type { Plugin } from "esbuild";

/** The SDK's default credential chain, which every client's runtime config imports. */
export const DEFAULT_CHAIN = "@aws-sdk/credential-provider-node";

/** What the bundles get instead, under packages/functions/src: the environment alone (why there). */
export const LAMBDA_CREDENTIALS_MODULE = "packages/functions/src/lambda-credentials.ts";

/**
 * Resolves every import of {@link DEFAULT_CHAIN} to {@link LAMBDA_CREDENTIALS_MODULE}. A plugin, listed
 * before dedupe.ts's: that one answers every `@aws-sdk/` import itself, so esbuild's `alias` option would
 * depend on the order in which esbuild applies the two.
 */
export function lambdaCredentials(): Plugin {
  return {
    name: "lambda-credentials",
    setup(build) {
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: path.join(root, LAMBDA_CREDENTIALS_MODULE) }));
    },
  };
}
