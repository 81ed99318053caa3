import { existsSync } from "node:fs";
import path from "node:path";
import esbuild, { type BuildOptions, type Metafile } from "esbuild";
import type { FunctionProps } from "sst/constructs";
import { useFunctions } from "sst/constructs/Function.js";
// synth first: it loads the stacks in the app's order (stacks/lambda.ts alone first would enter their cycle from the side).
import { synthesize } from "./synth";
import { FUNCTIONS_SRC } from "./lambda";

/**
 * Each function bundled as `sst deploy` bundles it, with esbuild's metafile kept: what the bundle-budget
 * test (stacks/bundles.test.ts) and `npm run bench -- --only bundles` read.
 *
 * The options are those of sst 2.49's node builder (sst/runtime/handlers/node.js) in deploy mode for an
 * ESM function: platform node, bundle, keepNames, the createRequire banner, `sharp` and `pg-native`
 * forced external, then the function's own `nodejs` settings (minify, sourcemap, esbuild overrides). The
 * esbuild is the one SST runs (the root node_modules' copy). stacks/stacks.test.ts checks that the files
 * built here have the sizes of those SST put into the synthesized assets.
 */
export interface FunctionBundle {
  /** Module under packages/functions/src, e.g. `api/upload`. */
  module: string;
  /**
   * Bytes a cold start loads: the entry file and the chunks it imports statically. Chunks reached only
   * by `import()` (the SDK's other credential providers, the X-Ray tracer, the authorizer's Cognito
   * client) load when first used, if ever.
   */
  bytes: number;
  /** Bytes of every file of the bundle. */
  totalBytes: number;
  /** The output files a cold start loads (paths as in the metafile). */
  eager: string[];
  metafile: Metafile;
  /** The entry file, when the bundle was written to disk. */
  outfile?: string;
  /**
   * When kept in memory: each output file's text, by its path relative to the entry's folder (the entry
   * `upload.mjs` and its chunks beside it), which is where they go in a function's asset.
   */
  files?: Record<string, string>;
}

const SST_FORCE_EXTERNAL = ["sharp", "pg-native"];

const ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
];

/** The module a function runs, from its handler (`packages/functions/src/api/upload.handler`). */
export function moduleOf(handler: string): string {
  if (!handler.startsWith(`${FUNCTIONS_SRC}/`)) throw new Error(`stacks/bundles.ts: ${handler} is not under ${FUNCTIONS_SRC}`);
  return handler.slice(FUNCTIONS_SRC.length + 1).replace(/\.handler$/, "");
}

/** esbuild's options for a function, as SST's deploy build sets them; `target` is the entry's output file. */
export function esbuildOptions(props: Pick<FunctionProps, "handler" | "nodejs">, root: string, target: string): BuildOptions {
  const nodejs = props.nodejs ?? {};
  if ((nodejs.format ?? "esm") !== "esm") throw new Error(`stacks/bundles.ts: ${props.handler} is not ESM; only SST's ESM build is mirrored here`);
  const parsed = path.parse(props.handler ?? "");
  const entry = [".ts", ".tsx", ".mts", ".js", ".mjs"].map((ext) => path.join(root, parsed.dir, parsed.name + ext)).find((f) => existsSync(f));
  if (!entry) throw new Error(`stacks/bundles.ts: no source file for handler ${props.handler}`);
  const { external, ...override } = nodejs.esbuild ?? {};
  return {
    entryPoints: [entry],
    platform: "node",
    external: [...SST_FORCE_EXTERNAL, ...(nodejs.install ?? []), ...(external ?? [])],
    loader: nodejs.loader,
    keepNames: true,
    bundle: true,
    logLevel: "silent",
    splitting: nodejs.splitting,
    metafile: true,
    outExtension: nodejs.splitting ? { ".js": ".mjs" } : undefined,
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    banner: { js: [...ESM_BANNER, nodejs.banner ?? ""].join("\n") },
    outfile: nodejs.splitting ? undefined : target,
    outdir: nodejs.splitting ? path.dirname(target) : undefined,
    sourcemap: nodejs.sourcemap === false ? false : true,
    minify: nodejs.minify,
    absWorkingDir: root,
    ...override,
  };
}

/**
 * Bundles one function. `write: false` keeps it in memory (the test reads sizes and the metafile);
 * a directory writes it there, for a bench that imports it.
 */
export async function bundleFunction(
  props: Pick<FunctionProps, "handler" | "nodejs">,
  root: string,
  write: false | { dir: string },
): Promise<FunctionBundle> {
  const module = moduleOf(props.handler ?? "");
  const target = path.join(write ? write.dir : path.join(root, ".bundle-check"), `${module}.mjs`);
  const result = await esbuild.build({ ...esbuildOptions(props, root, target), write: Boolean(write) });
  const metafile = result.metafile!;
  const outputs = metafile.outputs;
  const code = Object.keys(outputs).filter((file) => /\.m?js$/.test(file));
  const entryFile = path.relative(root, target).split(path.sep).join("/");
  if (!outputs[entryFile]) throw new Error(`stacks/bundles.ts: ${module} has no output ${entryFile} (outputs: ${code.join(", ")})`);
  const eager = new Set<string>();
  const visit = (file: string) => {
    if (eager.has(file)) return;
    eager.add(file);
    for (const imported of outputs[file]!.imports) if (imported.kind === "import-statement" && outputs[imported.path]) visit(imported.path);
  };
  visit(entryFile);
  const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + outputs[f]!.bytes, 0);
  const bundle: FunctionBundle = { module, bytes: sum(eager), totalBytes: sum(code), eager: [...eager], metafile };
  if (write) bundle.outfile = target;
  else bundle.files = Object.fromEntries((result.outputFiles ?? []).map((f) => [path.relative(path.dirname(target), f.path).split(path.sep).join("/"), f.text]));
  return bundle;
}

/** The inputs of some of a bundle's output files (by default all), by npm package (`@aws-sdk/client-s3`), or by folder for our own sources. */
export function packagesOf(metafile: Metafile, files: string[] = Object.keys(metafile.outputs)): Map<string, { bytes: number; versions: Set<string> }> {
  const out = new Map<string, { bytes: number; versions: Set<string> }>();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[file]?.inputs ?? {})) {
      const { name, where } = packageOf(input);
      const entry = out.get(name) ?? { bytes: 0, versions: new Set<string>() };
      entry.bytes += bytesInOutput;
      entry.versions.add(where);
      out.set(name, entry);
    }
  }
  return out;
}

/**
 * `node_modules/@aws-sdk/client-s3/dist-es/S3Client.js` → `@aws-sdk/client-s3` at `node_modules/`;
 * `node_modules/a/node_modules/b/x.js` → `b` at `node_modules/a/node_modules/`; a source file of ours
 * → its package folder (`packages/core`).
 */
export function packageOf(input: string): { name: string; where: string } {
  const marker = "node_modules/";
  const at = input.lastIndexOf(marker);
  if (at < 0) {
    const ours = /^(packages\/[^/]+)\//.exec(input);
    return { name: ours?.[1] ?? input, where: "" };
  }
  const rest = input.slice(at + marker.length).split("/");
  const name = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  return { name, where: input.slice(0, at + marker.length) };
}

/**
 * Every function of ours in the stacks, with the props SST builds it from (the app's defaults merged):
 * read from SST's own registry of functions after an offline synthesis without bundling.
 */
export async function functionsOfStacks(stage = "test"): Promise<Array<Pick<FunctionProps, "handler" | "nodejs">>> {
  const result = await synthesize({ stage, bundle: false });
  try {
    return Object.values(useFunctions().all as Record<string, FunctionProps>)
      .filter((props) => props.handler?.startsWith(`${FUNCTIONS_SRC}/`))
      .map((props) => ({ handler: props.handler, nodejs: props.nodejs }));
  } finally {
    await result.cleanup();
  }
}
