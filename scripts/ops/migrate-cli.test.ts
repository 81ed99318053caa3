import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT, runScript } from "./run-script";

/** `npm run migrate` on a local data directory whose table the version before transactions wrote. */
const migrate = (...args: string[]) => runScript("migrate", args, { timeoutMs: 90_000 });

describe("npm run migrate (local)", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "migrate-cli-"));
    await cp(join(REPO_ROOT, "packages/functions/test/fixtures/legacy-ledger/dynamodb"), join(dataDir, "dynamodb"), { recursive: true });
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists with --dry-run, converts, then finds nothing", { timeout: 300_000 }, () => {
    const dry = migrate("--data-dir", dataDir, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("usage     0b2f7a3e-1c4d-4e5f-8a9b-0c1d2e3f4a5b: 2 file(s), 400 bytes → 2 file(s), 400 bytes (would be rewritten)");
    expect(dry.stderr).toContain("2 user(s), 4 pending record(s) to convert. Nothing changed (dry run).");

    const run = migrate("--data-dir", dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("2 user(s), 4 pending record(s) converted.");

    const again = migrate("--local", "--data-dir", dataDir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("Nothing to convert.");
  });
});
