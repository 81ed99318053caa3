import { readFileSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "esbuild";

/**
 * One copy of each AWS SDK package per bundle.
 *
 * Why there were several (`npm ls @aws-sdk/client-s3`): sst 2.49 depends on old AWS SDK packages
 * (@aws-sdk/client-s3 3.699, @smithy/signature-v4 2.x, …), which npm hoisted to the root node_modules
 * first. The functions' newer ones could then not be hoisted and were installed again under every package
 * that needs them: packages/functions/node_modules/@aws-sdk/client-s3, and again under
 * @aws-sdk/s3-presigned-post, @aws-sdk/s3-request-presigner and @aws-sdk/core. Same code, other paths, so
 * esbuild bundled each copy. On top of that, @aws-sdk/s3-presigned-post pins the client-s3 of its own
 * release (3.1164.0, an exact version) while the functions use a later 3.x: the upload bundle held two
 * versions of the S3 client, and every library route with it. npm's `overrides` cannot move a package
 * past a conflicting hoisted one without changing sst's own dependencies.
 *
 * So the bundles do what npm would have done without sst in the way: every import of an AWS SDK package
 * resolves to the copy that packages/functions itself resolves, when that copy satisfies a caret range
 * of the copy found (same major version, not older). Anything else resolves as esbuild would. The local
 * runtime and the tests run the same major versions; stacks/bundles.test.ts fails on any package that a
 * bundle still holds from two places.
 */
const AWS_PACKAGE = /^@(aws-sdk|smithy|aws-crypto)\//;

/** Where the functions' own dependencies resolve from. */
export const FUNCTIONS_PACKAGE_DIR = "packages/functions/src";

export function dedupeAwsSdk(): Plugin {
  return {
    name: "dedupe-aws-sdk",
    setup(build) {
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      const canonicalDir = path.join(root, FUNCTIONS_PACKAGE_DIR);
      const versions = new Map<string, string | undefined>();
      build.onResolve({ filter: AWS_PACKAGE }, async (args) => {
        if ((args.pluginData as { dedupe?: boolean } | undefined)?.dedupe) return undefined;
        const again = { kind: args.kind, pluginData: { dedupe: true } };
        const found = await build.resolve(args.path, { ...again, resolveDir: args.resolveDir, importer: args.importer });
        if (found.errors.length > 0 || found.external) return undefined;
        const canonical = await build.resolve(args.path, { ...again, resolveDir: canonicalDir });
        const use = canonical.errors.length === 0 && !canonical.external && upgrades(versionAt(found.path, versions), versionAt(canonical.path, versions)) ? canonical : found;
        return { path: use.path, namespace: use.namespace, sideEffects: use.sideEffects };
      });
    },
  };
}

/** The version of the installed package a resolved file belongs to (its innermost node_modules/<name>). */
function versionAt(file: string, cache: Map<string, string | undefined>): string | undefined {
  const at = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (at < 0) return undefined;
  const rest = file.slice(at + "/node_modules/".length).split(path.sep);
  const dir = file.slice(0, at + "/node_modules/".length) + (rest[0]!.startsWith("@") ? `${rest[0]}${path.sep}${rest[1]}` : rest[0]!);
  if (!cache.has(dir)) {
    try {
      cache.set(dir, (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string }).version);
    } catch {
      cache.set(dir, undefined);
    }
  }
  return cache.get(dir);
}

/** Whether `to` satisfies `^from`: the same major version (for 0.x the same minor), not older. */
export function upgrades(from: string | undefined, to: string | undefined): boolean {
  if (!from || !to) return false;
  const a = from.split(/[.+-]/).slice(0, 3).map(Number);
  const b = to.split(/[.+-]/).slice(0, 3).map(Number);
  if (a.some(Number.isNaN) || b.some(Number.isNaN)) return false;
  if (a[0] !== b[0]) return false;
  if (a[0] === 0 && a[1] !== b[1]) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return b[i]! > a[i]!;
  return true;
}
