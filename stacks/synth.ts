import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Stack } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { App, getStack, type FunctionProps } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { useRuntimeHandlers } from "sst/runtime/handlers.js";
import sstConfig from "../sst.config";
import { Api } from "./Api";
import { Auth } from "./Auth";
import { Indexer } from "./Indexer";
import { Renditions } from "./Renditions";
import { Monitoring } from "./Monitoring";
import { NATIVE_MODULES_CONTEXT, type NativeModulesMode } from "./native-modules";
import { Storage } from "./Storage";
import { Web, WebHosting } from "./Web";

/**
 * Offline synthesis of the SST app, for the infrastructure tests and `npm run synth`.
 *
 * `sst deploy` synthesizes through sst/stacks/synth.js, which first asks STS for the account and, in
 * App.finish(), looks up (and if missing deploys) the SST bootstrap stack. Neither is possible without
 * credentials, so this does the same steps by hand:
 *   initProject (reads sst.config.ts: name, region; sets the stage)
 *   → new App({ mode: "deploy", account: <dummy>, … })   (explicit env: no account lookup)
 *   → sst.config.ts stacks(app)                        (the same stacks, in the same order)
 *   → app.finish()                                     (SST's deferred tasks: esbuild bundles each function)
 *   → app.synth()
 * with App.isRunningSSTTest() answering true, SST's own switch for skipping the bootstrap lookup, which
 * only serves the upload of sourcemaps (we build none).
 *
 * Bundling: in deploy mode SST's node handler runs esbuild for every function and then `npm install`
 * in each bundle folder (for packages it keeps external; none here, so an empty install). That install
 * is forced offline (it needs nothing from the registry) and the builds run four at a time instead of
 * SST's cores-minus-one, which on two cores would be one at a time. The indexer's native modules, which
 * `sst deploy` installs from the registry for linux-arm64, are only planned here (see native-modules.ts).
 */

/** The stacks, by the names of their functions (and of their files in dist/cloudformation). */
export const STACKS = { WebHosting, Auth, Storage, Api, Indexer, Renditions, Web, Monitoring } as const;
export type StackName = keyof typeof STACKS;

/** A syntactically valid account id; nothing is looked up with it. */
export const DUMMY_ACCOUNT = "123456789012";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface SynthOptions {
  stage: string;
  account?: string;
  region?: string;
  /**
   * true (default): each function is bundled with esbuild, as `sst deploy` does.
   * false: SST's inactive-stack mode, functions get placeholder code and nothing is built (fast; the
   * template is otherwise the same: roles, policies, environment, event sources).
   */
  bundle?: boolean;
  /** Where the bundles and the cloud assembly go; a fresh temporary folder by default. */
  workDir?: string;
  /**
   * "plan" (default): the indexer's native modules are planned, not installed (no network).
   * "install": installed from the npm registry for the function's platform, as `sst deploy` does.
   */
  nativeModules?: NativeModulesMode;
  /** Runs on the app once its stacks exist, before it synthesizes (cdk-nag's checks: stacks/nag.ts). */
  beforeSynth?: (app: App) => void;
  /**
   * With bundling, a function's output files made elsewhere, by their paths relative to the handler's
   * folder (the entry and its chunks), or undefined to let SST build it. A function given files gets
   * them in its asset instead of SST's esbuild run and `npm install` (the handler's hooks and copyFiles
   * still run). For the stack tests: stacks/bundles.ts makes each function's bundle with SST's options
   * once per test run, and SST's own build of one function per family shows the two agree.
   */
  prebuilt?: (props: FunctionProps) => Promise<Record<string, string> | undefined>;
}

export interface Synthesized {
  app: App;
  stacks: Record<StackName, Stack>;
  assembly: CloudAssembly;
  workDir: string;
  /** Removes workDir (the bundles and the cloud assembly). */
  cleanup(): Promise<void>;
}

/** Set for the duration of a synthesis, then restored. */
const SYNTH_ENV: Record<string, string> = {
  npm_config_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  SST_BUILD_CONCURRENCY: process.env.SST_BUILD_CONCURRENCY ?? "4",
};

export async function synthesize(options: SynthOptions): Promise<Synthesized> {
  const cwd = process.cwd();
  const savedEnv = Object.fromEntries(Object.keys(SYNTH_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SYNTH_ENV);
  // SST resolves handler paths and its own output paths against the working directory, as its CLI
  // does after changing to the project root. Changed only when it differs: the stack tests run in a
  // worker thread (vitest.config.ts), where process.chdir throws, started from the root.
  if (cwd !== REPO_ROOT) process.chdir(REPO_ROOT);
  let workDir: string | undefined;
  try {
    await initProject({ stage: options.stage, root: REPO_ROOT, ...(options.region ? { region: options.region } : {}) });
    const project = useProject();
    workDir = options.workDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "media-storage-synth-")));
    // Keep bundles and generated types out of the repository's .sst, which `sst dev` may be using.
    project.paths.out = workDir;
    project.paths.artifacts = path.join(workDir, "artifacts");

    const app = new App(
      {
        mode: "deploy",
        stage: project.config.stage,
        name: project.config.name,
        region: project.config.region ?? "us-east-1",
        account: options.account ?? DUMMY_ACCOUNT,
        ...(options.bundle === false ? { isActiveStack: () => false } : {}),
      },
      // Native modules (sharp, for the indexer) need the registry to be installed for Lambda's platform:
      // offline, their install is planned and recorded in the bundle, not run (stacks/native-modules.ts).
      { outdir: path.join(workDir, "cdk.out"), context: { [NATIVE_MODULES_CONTEXT]: options.nativeModules ?? "plan" } },
    );
    app.isRunningSSTTest = () => true;

    await sstConfig.stacks(app);
    if (options.prebuilt) {
      const prebuilt = options.prebuilt;
      // SST keeps one node handler per process (useRuntimeHandlers is lazy): its build is wrapped for this
      // synthesis only.
      const node = useRuntimeHandlers().for("nodejs");
      const build = node.build;
      node.build = async (input) => {
        const files = input.mode === "deploy" ? await prebuilt(input.props) : undefined;
        return files ? writePrebuilt(input.props.handler ?? "", input.out, files) : build(input);
      };
      try {
        await app.finish();
      } finally {
        node.build = build;
      }
    } else {
      await app.finish();
    }
    options.beforeSynth?.(app);
    const assembly = app.synth();

    const stacks = Object.fromEntries(
      Object.entries(STACKS).map(([name, fn]) => [name, getStack(fn)]),
    ) as unknown as Record<StackName, Stack>;
    const dir = workDir;
    return { app, stacks, assembly, workDir: dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    if (workDir && !options.workDir) await fs.rm(workDir, { recursive: true, force: true });
    throw error;
  } finally {
    if (process.cwd() !== cwd) process.chdir(cwd);
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * A function's files where SST's node build puts them (sst/runtime/handlers/node.js): the handler's
 * folder relative to the project root, inside the function's output folder; the handler names the entry.
 */
async function writePrebuilt(handler: string, out: string, files: Record<string, string>): Promise<{ type: "success"; handler: string }> {
  const parsed = path.parse(handler);
  const folder = path.relative(REPO_ROOT, path.resolve(REPO_ROOT, parsed.dir));
  if (folder.startsWith("..") || path.isAbsolute(folder)) throw new Error(`stacks/synth.ts: handler ${handler} is outside the project`);
  if (!files[`${parsed.name}.mjs`]) throw new Error(`stacks/synth.ts: the files given for ${handler} have no entry ${parsed.name}.mjs`);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(out, folder, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
  }
  return { type: "success", handler: path.posix.join(folder.split(path.sep).join("/"), parsed.name + parsed.ext) };
}

/** The synthesized CloudFormation template of one stack, as deployed. */
export function templateOf(result: Synthesized, name: StackName): Record<string, unknown> {
  return result.assembly.getStackArtifact(result.stacks[name].artifactId).template as Record<string, unknown>;
}
