import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./synth";

/**
 * The GitHub Actions workflows and the OIDC deploy role (docs/github-deploy-role.yaml): nothing here runs
 * on GitHub or AWS, so these tests are what stands between a typo and a broken pipeline or a role that
 * lets any repository deploy.
 */

type Json = Record<string, any>;
const run = promisify(execFile);
const WORKFLOWS = path.join(REPO_ROOT, ".github/workflows");
const VALIDATOR = path.join(REPO_ROOT, "node_modules/.bin/action-validator");
/** The SST stages the pipeline deploys, each through the GitHub environment of the same name. */
const STAGES = ["staging", "prod"];

const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const workflow = (file: string): Json => YAML.parse(read(file));
const role: Json = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "docs/github-deploy-role.yaml"), "utf8"));

/** Fn::Sub strings (and plain strings) of a template value, for matching on their text. */
function subs(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === "string" ? v : (v as Json)["Fn::Sub"])).filter((v): v is string => typeof v === "string");
}

describe("workflows", () => {
  it("found the three workflow files", () => {
    expect(workflowFiles.sort()).toEqual(["ci.yml", "deploy-stage.yml", "deploy.yml"]);
  });

  it.each(workflowFiles)("%s passes action-validator (offline, its wasm build)", async (file) => {
    await run(VALIDATOR, [path.join(WORKFLOWS, file)]);
  });

  it("action-validator refuses a broken workflow, so its passes mean something", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-"));
    const broken = path.join(dir, "broken.yml");
    fs.writeFileSync(broken, read("ci.yml").replace("runs-on:", "runs_on:"));
    try {
      await expect(run(VALIDATOR, [broken])).rejects.toMatchObject({ code: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("tests every pull request with npm ci and npm test, on Node 20 and 22, with Debian's chromium", () => {
    const ci = workflow("ci.yml");
    expect(Object.keys(ci.on)).toEqual(["pull_request"]);
    expect(ci.permissions).toEqual({ contents: "read" });
    const job = ci.jobs.test;
    expect(job.strategy.matrix.node).toEqual(["20", "22"]);
    const runs: string[] = job.steps.map((s: Json) => s.run).filter(Boolean);
    expect(runs.some((r) => r.includes("apt-get install") && r.includes("chromium"))).toBe(true);
    expect(runs).toContain("npm ci --no-audit --no-fund");
    expect(runs.at(-1)).toBe("npm test");
  });

  it("deploys staging on pushes to main and prod on v* tags or by hand, each stage in its own environment", () => {
    const deploy = workflow("deploy.yml");
    expect(deploy.on.push).toEqual({ branches: ["main"], tags: ["v*"] });
    expect(deploy.on).toHaveProperty("workflow_dispatch");
    expect(Object.keys(deploy.jobs)).toEqual(STAGES);
    for (const stage of STAGES) {
      expect(deploy.jobs[stage].uses).toBe("./.github/workflows/deploy-stage.yml");
      expect(deploy.jobs[stage].with).toEqual({ stage });
    }
    expect(deploy.jobs.staging.if).toContain("github.ref == 'refs/heads/main'");
    expect(deploy.jobs.prod.if).toContain("startsWith(github.ref, 'refs/tags/v')");
    // A manual prod run only from main, never from a feature branch.
    expect(deploy.jobs.prod.if).toContain("github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'");

    const stage = workflow("deploy-stage.yml");
    const job = stage.jobs.deploy;
    expect(job.environment).toBe("${{ inputs.stage }}");
    expect(job.concurrency).toEqual({ group: "deploy-${{ inputs.stage }}", "cancel-in-progress": false });
    expect(job.steps.at(-2).run).toBe('npx sst deploy --stage "${{ inputs.stage }}" --region "${{ vars.AWS_REGION }}"');
  });

  it("gets AWS credentials from GitHub's OIDC token, never from stored keys", () => {
    for (const file of ["deploy.yml", "deploy-stage.yml"]) {
      // The called workflow can only have what its caller grants, so both ask for the token.
      expect(workflow(file).permissions, file).toEqual({ contents: "read", "id-token": "write" });
    }
    const steps: Json[] = workflow("deploy-stage.yml").jobs.deploy.steps;
    const credentials = steps.find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials?.with).toEqual({
      "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
      "role-session-name": "github-${{ github.run_id }}-${{ inputs.stage }}",
      "aws-region": "${{ vars.AWS_REGION }}",
    });
    for (const file of workflowFiles) {
      expect(read(file), file).not.toMatch(/secrets\.|aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    }
  });
});

describe("the OIDC deploy role", () => {
  const trust: Json = role.Resources.DeployRole.Properties.AssumeRolePolicyDocument.Statement;
  const statements: Json[] = role.Resources.DeployRole.Properties.Policies[0].PolicyDocument.Statement;

  it("is assumed only through GitHub's provider, for sts, by this repository's deploy environments", () => {
    expect(role.Resources.GitHubOidcProvider.Properties).toMatchObject({
      Url: "https://token.actions.githubusercontent.com",
      ClientIdList: ["sts.amazonaws.com"],
    });
    expect(trust).toHaveLength(1);
    const [statement] = trust as Json[];
    expect(statement!.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(subs(statement!.Principal.Federated)).toEqual([
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com",
    ]);
    // StringEquals, not StringLike: no wildcard lets another repository (or a fork) in.
    expect(Object.keys(statement!.Condition)).toEqual(["StringEquals"]);
    const condition = statement!.Condition.StringEquals;
    expect(condition["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
    expect(subs(condition["token.actions.githubusercontent.com:sub"])).toEqual(
      STAGES.map((stage) => `repo:\${GitHubRepository}:environment:${stage}`),
    );
    expect(role.Parameters.GitHubRepository.AllowedPattern).toBe("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+");
  });

  it("may do what sst deploy needs and nothing broader", () => {
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(statements.every((s) => s.Effect === "Allow")).toBe(true);
    // Only two actions without resource-level permissions run on "*".
    const anyResource = statements.filter((s) => s.Resource === "*");
    expect(anyResource.flatMap((s) => s.Action)).toEqual(["cloudformation:ListImports", "cloudformation:ValidateTemplate"]);
    // IAM: passing the CDK execution role to CloudFormation, nothing else; that role creates the resources.
    const iam = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith("iam:")));
    expect(iam).toHaveLength(1);
    expect(iam[0]!.Action).toBe("iam:PassRole");
    expect(iam[0]!.Condition).toEqual({ StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } });
    const byId = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(subs(byId.AssumeCdkBootstrapRoles!.Resource)).toEqual(["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-${CdkQualifier}-*"]);
    // Stacks are named <stage>-<app>-<Stack> by SST: only the pipeline's stages may be changed.
    expect(subs(byId.AppStacks!.Resource).map((arn) => arn.split(":stack/")[1])).toEqual(STAGES.map((stage) => `${stage}-\${AppName}-*/*`));
    expect(byId.AppStacks!.Action).not.toContain("cloudformation:CreateChangeSet");
  });

  it("names the app as sst.config.ts does", async () => {
    const { default: config } = await import("../sst.config");
    expect(role.Parameters.AppName.Default).toBe(config.config({}).name);
  });
});
