import fs from "node:fs/promises";
import type { Plugin } from "esbuild";

/**
 * Each AWS SDK client imports its whole package.json (`import packageInfo from "../package.json"`) and
 * reads one field of it, `version`, for the user agent it sends. esbuild cannot drop the other fields of
 * a default-imported JSON file, so every client brought its description, scripts and dependency lists:
 * 2–2.6 KB per client, about 9 KB in a bundle of four clients. The bundles get `{name, version}` instead.
 * Only package.json files imported by the SDK's own code are touched (the filter), not any read from disk.
 */
const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@(aws-sdk|smithy|aws-crypto)[\\/][^\\/]+[\\/]package\.json$/;

export function sdkPackageInfo(): Plugin {
  return {
    name: "sdk-package-info",
    setup(build) {
      build.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => {
        const { name, version } = JSON.parse(await fs.readFile(args.path, "utf8")) as { name?: string; version?: string };
        return { contents: JSON.stringify({ name, version }), loader: "json" };
      });
    },
  };
}
