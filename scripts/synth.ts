/**
 * `npm run synth [-- --stage <name>] [-- --no-bundle]`: writes each stack's CloudFormation template to
 * dist/cloudformation/<Stack>.json, with no AWS credentials and no network (see stacks/synth.ts).
 *
 * The stage defaults to $SST_STAGE, else "dev". Stage settings come from the environment as for a deploy:
 * WEB_ORIGIN (required for prod), WEB_CERTIFICATE_ARN, MAX_FILE_BYTES, QUOTA_BYTES, UPLOAD_EXPIRES_SECONDS,
 * ALERTS_EMAIL. Every stack of sst.config.ts is written (WebHosting, Auth, Storage, Api, Indexer, Web,
 * Monitoring); with bundling, the web app is built too (into the synthesis's temporary folder, as the
 * Web stack's StaticSite does for a deploy), since its upload is part of the Web template.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { openApiDocument } from "@media/core/contract/openapi";
import type { StackName } from "../stacks/synth";

// SST's IoT client (unused here) still loads AWS SDK v2, which prints an end-of-support notice on import.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
const { REPO_ROOT, STACKS, synthesize, templateOf } = await import("../stacks/synth");

const { values } = parseArgs({
  options: {
    stage: { type: "string" },
    "no-bundle": { type: "boolean", default: false },
    out: { type: "string" },
  },
});

const stage = values.stage ?? process.env.SST_STAGE ?? "dev";
const outDir = path.resolve(REPO_ROOT, values.out ?? "dist/cloudformation");

const started = Date.now();
const result = await synthesize({ stage, bundle: !values["no-bundle"] }).catch((error: unknown) => {
  // A stage setting or a function that does not build: say which, without a stack trace of SST's internals.
  console.error(`synth failed for stage ${stage}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
try {
  await fs.mkdir(outDir, { recursive: true });
  for (const name of Object.keys(STACKS) as StackName[]) {
    const template = templateOf(result, name);
    const file = path.join(outDir, `${name}.json`);
    await fs.writeFile(file, `${JSON.stringify(template, null, 2)}\n`);
    const resources = Object.keys((template.Resources ?? {}) as object).length;
    console.log(`${result.stacks[name].stackName}: ${resources} resources → ${path.relative(REPO_ROOT, file)}`);
  }
  // The API's description, beside the templates that deploy it (also served at GET /openapi.json).
  const openapiFile = path.join(outDir, "openapi.json");
  await fs.writeFile(openapiFile, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  console.log(`OpenAPI 3.1 → ${path.relative(REPO_ROOT, openapiFile)}`);
  console.log(`stage ${stage}: synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await result.cleanup();
}
