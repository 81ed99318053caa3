import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiEvent } from "@media/testing/lambda-events";
import { startLocalAws, type LocalAws } from "@media/testing/local-aws";
// synth first: it loads the stacks in the app's order (bundles.ts says why).
import { REPO_ROOT } from "./synth";
import { bundleFunction, packagesOf, type FunctionBundle } from "./bundles";
import { FUNCTION_DEFAULTS, handlerOf } from "./lambda";
import { LAMBDA_CREDENTIALS_MODULE, NO_ENDPOINT_CACHE_MODULE } from "./sdk-substitutes";

/**
 * The auth routes' bundles as deployed (FUNCTION_DEFAULTS, with lambda-credentials.ts in place of the
 * SDK's default credential chain and no-endpoint-cache.ts in place of DynamoDB's endpoint-discovery
 * cache) run in a fresh `node` against the local AWS services: sign-up and confirmation, each a DynamoDB write (the code limits) and a Cognito call, signed with the credentials
 * of the environment, where Lambda puts the role's. The handler tests run the same code unbundled.
 */
const exec = promisify(execFile);
const MODULES = ["api/signup", "api/confirm"] as const;

let aws: LocalAws;
let dir: string;
const bundles = new Map<string, FunctionBundle>();

beforeAll(async () => {
  aws = await startLocalAws();
  dir = await mkdtemp(path.join(REPO_ROOT, "node_modules", ".credentials-test-"));
  for (const module of MODULES) {
    bundles.set(module, await bundleFunction({ handler: handlerOf(module), nodejs: FUNCTION_DEFAULTS.nodejs }, REPO_ROOT, { dir }));
  }
});

afterAll(async () => {
  await aws?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a bundle's handler once in a new process with `env`; its answer, and what it wrote (its log lines). */
async function invoke(module: (typeof MODULES)[number], body: unknown, env: NodeJS.ProcessEnv): Promise<{ statusCode: number; body: Record<string, unknown>; output: string }> {
  const event = apiEvent({ method: "POST", path: `/${module.slice(4)}`, body });
  const script = `const { handler } = await import(${JSON.stringify(bundles.get(module)!.outfile!)});
const answer = await handler(JSON.parse(process.argv[1]), { awsRequestId: "bundle-test", functionName: "bundle-test", getRemainingTimeInMillis: () => 30000 });
process.stdout.write("\\n@@" + JSON.stringify(answer));`;
  const { stdout, stderr } = await exec(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(event)], { env, cwd: dir });
  const answer = JSON.parse(stdout.slice(stdout.lastIndexOf("\n@@") + 3)) as { statusCode: number; body: string };
  return { statusCode: answer.statusCode, body: JSON.parse(answer.body) as Record<string, unknown>, output: stdout + stderr };
}

describe("the auth routes' bundles", () => {
  it("hold the environment provider, not the SDK's default chain and its STS, SSO and INI providers", () => {
    for (const [module, bundle] of bundles) {
      const packages = [...packagesOf(bundle.metafile).keys()];
      const inputs = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
      expect(inputs, module).toContain(LAMBDA_CREDENTIALS_MODULE);
      expect(packages, module).toContain("@aws-sdk/credential-provider-env");
      for (const chain of ["@aws-sdk/credential-provider-node", "@aws-sdk/credential-provider-ini", "@aws-sdk/credential-provider-sso", "@aws-sdk/nested-clients"]) {
        expect(packages, `${module} holds ${chain}`).not.toContain(chain);
      }
    }
  });

  it("hold no endpoint-discovery cache (nor its LRU), though they hold the DynamoDB client", () => {
    for (const [module, bundle] of bundles) {
      const packages = [...packagesOf(bundle.metafile).keys()];
      const inputs = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
      expect(packages, module).toContain("@aws-sdk/client-dynamodb");
      expect(inputs, module).toContain(NO_ENDPOINT_CACHE_MODULE);
      for (const cache of ["@aws-sdk/endpoint-cache", "mnemonist"]) expect(packages, `${module} holds ${cache}`).not.toContain(cache);
    }
  });

  it("sign up and confirm an account with the credentials of the environment", async () => {
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
    const email = "bundled@example.com";
    const signUp = await invoke("api/signup", { email, password: "Bundled-passw0rd!" }, env);
    expect(signUp.statusCode, signUp.output).toBe(201);
    expect(signUp.body.confirmed).toBe(false);
    const code = aws.outbox.messages(email).at(-1)?.code;
    expect(code).toMatch(/^\d+$/);
    const confirm = await invoke("api/confirm", { email, code }, env);
    expect(confirm.statusCode, confirm.output).toBe(200);
  });

  it("fail with the SDK's error, not with other credentials, when the environment has none", async () => {
    const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, AWS_SESSION_TOKEN: _token, ...rest } = process.env;
    const answer = await invoke("api/confirm", { email: "nobody@example.com", code: "123456" }, rest);
    expect(answer.statusCode).toBe(500);
    expect(answer.output).toContain("Unable to find environment variable credentials");
  });
});
