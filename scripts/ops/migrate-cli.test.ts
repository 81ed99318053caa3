import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalDynamo } from "@media/local/dynamo/local-dynamo";
import { LOCAL } from "@media/local/runtime";
import { localPaths } from "./local-data";
import { migrateCli } from "./migrate-cli";
import { REPO_ROOT, runInProcess, runScript } from "./run-script";

/**
 * `npm run migrate` on a local data directory whose table the version before transactions wrote: the
 * script's main function in this process, and once as `npm run migrate` runs it (a process of its own),
 * for the refusal while the runtime runs.
 */
const migrate = (args: string[], env?: NodeJS.ProcessEnv) => runInProcess(migrateCli, args, env ? { env } : {});
const USER = "0b2f7a3e-1c4d-4e5f-8a9b-0c1d2e3f4a5b";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "migrate-cli-"));
  await cp(join(REPO_ROOT, "packages/functions/test/fixtures/legacy-ledger/dynamodb"), join(dataDir, "dynamodb"), { recursive: true });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm run migrate (local)", () => {
  it("lists with --dry-run: the listing on stdout, the summary on stderr", async () => {
    const dry = await migrate(["--data-dir", dataDir, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`usage     ${USER}: 2 file(s), 400 bytes → 2 file(s), 400 bytes (would be rewritten)`);
    expect(dry.stderr).toContain(`Checking the local runtime's data in ${dataDir}`);
    expect(dry.stderr).toContain("2 user(s), 4 pending record(s) to convert. Nothing changed (dry run).");
  });

  it("exits 3 while the runtime holds the directory (run as `npm run migrate` runs it), and changes nothing", async () => {
    // What the runtime holds while it runs: its local DynamoDB, open on the directory's database.
    const held = await startLocalDynamo({ dir: localPaths(dataDir).dynamodb, tableName: LOCAL.table, region: LOCAL.region });
    try {
      const r = runScript("migrate", ["--data-dir", dataDir]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/local runtime is running on .*Stop it.*: it would keep serving the old items\.$/ms);
    } finally {
      await held.close();
    }
    // Neither the dry run nor the refusal wrote anything: all is still to convert.
    const dry = await migrate(["--data-dir", dataDir, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("2 user(s), 4 pending record(s) to convert. Nothing changed (dry run).");
  });

  it("converts, then finds nothing (the directory from DATA_DIR)", async () => {
    const run = await migrate(["--data-dir", dataDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Migrating the local runtime's data in ${dataDir}`);
    expect(run.stdout).toContain(`usage     ${USER}: 2 file(s), 400 bytes → 2 file(s), 400 bytes`);
    expect(run.stdout).not.toContain("(would be rewritten)");
    expect(run.stderr).toContain("2 user(s), 4 pending record(s) converted.");

    const again = await migrate(["--local"], { DATA_DIR: dataDir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain("Nothing to convert.");
  });

  it("answers 2 for bad usage, naming what is wrong", async () => {
    const unknown = await migrate(["--data-dir", dataDir, "--frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--frobnicate");
    const both = await migrate(["--local", "--table", "t"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Choose either --local or the AWS options, not both.");
    const missing = await migrate([], { DATA_DIR: join(dataDir, "nowhere") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`No local data at ${join(dataDir, "nowhere")}`);
    const help = await migrate(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^npm run migrate -- \[options\]/);
  });
});
