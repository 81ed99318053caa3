import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLocalProcess } from "../../packages/local/test/helpers/local-process";
import { runScript } from "./run-script";
import { openLocalQueues } from "./local-data";

const key = "users/0f8fad5b-d9cb-469f-a165-70867728950e/01J0000000000000000000000A";

const redrive = (...args: string[]) => runScript("redrive", args, { timeoutMs: 60_000 });

describe("npm run redrive (local)", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "redrive-cli-"));
    // One dead letter, as the queue leaves it after its 5th failed receive.
    const { queue, deadLetters } = await openLocalQueues(dataDir);
    await queue.send(JSON.stringify({ Records: [{ s3: { object: { key } } }] }));
    for (let i = 0; i < 6; i++) {
      for (const m of await queue.receive(1, Date.now() + i * 1_000_000)) await queue.changeVisibility(m.receiptHandle!, 0, Date.now() + i * 1_000_000);
    }
    expect(deadLetters.size).toBe(1);
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists with --dry-run, re-drives, then finds nothing", () => {
    const dry = redrive("--data-dir", dataDir, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`receives=5 +sent=\\S+ +${key}`));
    expect(dry.stderr).toContain("1 message(s) in the dead-letter queue; nothing changed (dry run).");

    const run = redrive("--local", "--data-dir", dataDir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(key);
    expect(run.stderr).toContain("redrive: 1 re-driven.");

    const again = redrive("--data-dir", dataDir);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain("the dead-letter queue is empty; nothing to do.");
  });

  it("exits 3 with an explanation while the runtime runs on the directory", async () => {
    const runtime = await startLocalProcess({ DATA_DIR: dataDir });
    try {
      const r = redrive("--data-dir", dataDir);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/local runtime is running on .*Stop it/s);
    } finally {
      await runtime.stop();
    }
  });

  it("refuses mixed or incomplete backends", () => {
    expect(redrive("--local", "--queue-url", "https://sqs.eu-west-1.amazonaws.com/1/q").code).toBe(2);
    expect(redrive("--aws", "--queue-url", "https://sqs.eu-west-1.amazonaws.com/1/q").code).toBe(2);
  });
});
