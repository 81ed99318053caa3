/**
 * `npm run policies`: writes packages/local/src/iam/function-policies.json, the functions' IAM policies
 * that the local runtime enforces, from an offline synthesis of the stacks (no bundling: roles and
 * policies are the same). Run it after changing a grant; stacks/local-policies.test.ts fails until then.
 */
import fs from "node:fs/promises";
import path from "node:path";

// SST's IoT client (unused here) still loads AWS SDK v2, which prints an end-of-support notice on import.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
const { REPO_ROOT, STACKS, synthesize, templateOf } = await import("../stacks/synth");
const { LOCAL_POLICIES_FILE, LOCAL_SYNTH_ENV, localPolicies, renderLocalPolicies } = await import("../stacks/local-policies");

Object.assign(process.env, LOCAL_SYNTH_ENV);
const result = await synthesize({ stage: "local", bundle: false });
try {
  const templates = Object.fromEntries(Object.keys(STACKS).map((name) => [name, templateOf(result, name as keyof typeof STACKS)]));
  const file = path.join(REPO_ROOT, LOCAL_POLICIES_FILE);
  await fs.writeFile(file, renderLocalPolicies(localPolicies(templates)));
  console.log(`wrote ${LOCAL_POLICIES_FILE}`);
} finally {
  await result.cleanup();
}
