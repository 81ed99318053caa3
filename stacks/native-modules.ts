import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import type { FunctionProps } from "sst/constructs";

/**
 * Native modules installed into a function's bundle for the Lambda's platform (sharp, for the indexer).
 *
 * Why not SST v2's own `nodejs.install: ["sharp"]`: sst 2.49's node builder (runtime/handlers/node.js)
 * treats sharp specially. It always marks it external, and whenever it installs it, it runs
 * `npm install --omit=optional … --force sharp@0.32.6`, a pin from December 2023 (sst PR #3575), when
 * sharp 0.33 had just moved its binaries into optional `@img/sharp-<platform>` packages. That would deploy
 * a two-year-older sharp than the one tested here, whose install script downloads libvips from GitHub.
 * So the indexer keeps sharp external but out of SST's install list (`esbuild.external` makes SST skip
 * it), and this afterBuild hook installs the exact version from this repository's node_modules:
 *
 *   npm install --os=linux --cpu=arm64 --libc=glibc --include=optional --omit=dev --ignore-scripts sharp@X
 *
 * npm (>= 10) then picks sharp's optional dependencies for the *target* platform instead of the machine
 * running the deploy: `@img/sharp-linux-arm64` and `@img/sharp-libvips-linux-arm64` (sharp's own
 * "cross-platform" install instructions). No lockfile is used (npm's lockfile handling of cross-platform
 * optional packages is unreliable, npm/cli#4828) and install scripts are skipped: the prebuilt packages need
 * none, and sharp's check script would judge the build machine, not the Lambda. The hook then checks that
 * the target binaries are there and writes what it installed to `native-modules.json` in the bundle.
 *
 * Offline synthesis (stacks/synth.ts, used by the tests and `npm run synth`) cannot reach the registry:
 * there the hook writes the same manifest with the command it would run, and installs nothing.
 *
 * `sst dev` ("linked"): the function runs on the developer's machine, and SST links the bundle folder's
 * node_modules to the project's own. The modules are already there, for this machine, and an install
 * would fetch them from the registry on every rebuild and write Lambda's binaries through that link into
 * the project's node_modules. So nothing is installed; the manifest says where they come from.
 */
export const NATIVE_MODULES_CONTEXT = "media:nativeModules";
export type NativeModulesMode = "install" | "plan" | "linked";
export const MANIFEST = "native-modules.json";

export interface NativeModulesPlan {
  /** Exact versions, as installed in this repository (and so as tested). */
  packages: Record<string, string>;
  os: "linux";
  cpu: "arm64" | "x64";
  libc: "glibc";
  /** The npm arguments, in order. */
  npmArgs: string[];
  /** Packages that must be present after the install: the platform's binaries. */
  expect: string[];
}

export interface NativeModulesManifest extends NativeModulesPlan {
  mode: NativeModulesMode;
  /** name → installed version; absent in plan and linked modes. */
  installed?: Record<string, string>;
}

/**
 * The version of `name` that packages/functions resolves (the one its tests ran against). Resolved from the
 * working directory, which is the project root both under the SST CLI and in stacks/synth.ts.
 */
export function installedVersion(name: string, root = process.cwd()): string {
  // Not require(`${name}/package.json`): sharp's `exports` does not export it. Node's own lookup paths instead.
  const paths = createRequire(path.join(root, "packages/functions/package.json")).resolve.paths(name) ?? [];
  for (const dir of paths) {
    const file = path.join(dir, name, "package.json");
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  }
  throw new Error(`native modules: ${name} is not installed for packages/functions (npm install)`);
}

export function nativeModulesPlan(architecture: "arm_64" | "x86_64", names: string[], version: (name: string) => string = (n) => installedVersion(n)): NativeModulesPlan {
  const cpu = architecture === "arm_64" ? "arm64" : "x64";
  const packages = Object.fromEntries(names.map((n) => [n, version(n)]));
  const npmArgs = [
    "install",
    `--os=linux`,
    `--cpu=${cpu}`,
    "--libc=glibc",
    "--include=optional",
    "--omit=dev",
    "--ignore-scripts",
    "--no-package-lock",
    "--no-save",
    "--no-audit",
    "--no-fund",
    ...Object.entries(packages).map(([n, v]) => `${n}@${v}`),
  ];
  const expect = names.includes("sharp") ? [`@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`] : [];
  // @ffmpeg-installer/ffmpeg holds no binary: it is in its optional package for the platform.
  if (names.includes("@ffmpeg-installer/ffmpeg")) expect.push(`@ffmpeg-installer/linux-${cpu}`);
  return { packages, os: "linux", cpu, libc: "glibc", npmArgs, expect };
}

/**
 * The bundle settings of a function that needs `names` as native modules: kept out of the esbuild bundle,
 * out of SST's own install, and installed by the afterBuild hook for `architecture`.
 */
export function withNativeModules(
  base: FunctionProps["nodejs"],
  architecture: "arm_64" | "x86_64",
  names: string[],
  mode: NativeModulesMode,
): Pick<FunctionProps, "nodejs" | "hooks"> {
  return {
    nodejs: {
      ...base,
      // External for esbuild; being in `external` also keeps SST from installing (and pinning) them itself.
      esbuild: { ...base?.esbuild, external: [...(base?.esbuild?.external ?? []), ...names] },
      install: [],
    },
    hooks: {
      afterBuild: async (_props, out) => {
        await installNativeModules(out, nativeModulesPlan(architecture, names), mode);
      },
    },
  };
}

const exec = promisify(execFile);

export async function installNativeModules(out: string, plan: NativeModulesPlan, mode: NativeModulesMode): Promise<NativeModulesManifest> {
  const manifest: NativeModulesManifest = { mode, ...plan };
  if (mode === "install") {
    // SST links node_modules here only when it builds for `sst dev`: installing would write through the link.
    const linked = await fs.lstat(path.join(out, "node_modules")).then((s) => s.isSymbolicLink(), () => false);
    if (linked) throw new Error("native modules: the bundle's node_modules links to the project's (sst dev); build with mode \"linked\"");
    // SST's own install left a package.json (and lock) for its empty dependency list: start clean.
    await fs.rm(path.join(out, "package-lock.json"), { force: true });
    await fs.writeFile(path.join(out, "package.json"), `${JSON.stringify({ private: true, dependencies: plan.packages }, null, 2)}\n`);
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (/^npm_config_(offline|prefer_offline|os|cpu|libc|arch|platform)$/i.test(key)) delete env[key];
    await exec("npm", plan.npmArgs, { cwd: out, env, maxBuffer: 16 * 1024 * 1024 });
    manifest.installed = {};
    for (const name of [...Object.keys(plan.packages), ...plan.expect]) {
      const file = path.join(out, "node_modules", name, "package.json");
      const pkg = JSON.parse(await fs.readFile(file, "utf8").catch(() => "null")) as { version: string } | null;
      if (!pkg) throw new Error(`native modules: ${name} is missing from the bundle after \`npm ${plan.npmArgs.join(" ")}\``);
      manifest.installed[name] = pkg.version;
    }
    for (const [name, version] of Object.entries(plan.packages)) {
      if (manifest.installed[name] !== version) throw new Error(`native modules: installed ${name}@${manifest.installed[name]}, expected ${version}`);
    }
  }
  await fs.writeFile(path.join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The mode for an SST app: `sst dev` links (see above); a deploy installs unless the synthesis asked for
 * a plan through the context (stacks/synth.ts, offline).
 */
export function nativeModulesMode(appMode: "deploy" | "dev" | "remove", context: unknown): NativeModulesMode {
  if (appMode === "dev") return "linked";
  if (context === undefined || context === "install") return "install";
  if (context === "plan") return "plan";
  throw new Error(`context ${NATIVE_MODULES_CONTEXT} must be "install" or "plan", not ${JSON.stringify(context)}`);
}
