import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLocalDynamo } from "@media/local/dynamo/local-dynamo";
import { LOCAL } from "@media/local/runtime";
import { localPaths, openLocalQueues } from "./local-data";
import { redriveCli } from "./redrive-cli";
import { runInProcess, runScript } from "./run-script";

const key = "users/0f8fad5b-d9cb-469f-a165-70867728950e/01J0000000000000000000000A";

/** The script's main function in this process; the one run as a process of its own is the refusal below. */
const redrive = (...args: string[]) => runInProcess(redriveCli, args);

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

  it("lists with --dry-run, re-drives, then finds nothing", async () => {
    const dry = await redrive("--data-dir", dataDir, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`receives=5 +sent=\\S+ +${key}`));
    expect(dry.stderr).toContain("1 message(s) in the dead-letter queue; nothing changed (dry run).");

    const run = await redrive("--local", "--data-dir", dataDir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(key);
    expect(run.stderr).toContain("redrive: 1 re-driven.");

    // The data directory from DATA_DIR, as `npm start` takes it.
    const again = await runInProcess(redriveCli, [], { env: { DATA_DIR: dataDir } });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`Re-driving the local runtime's queues in ${dataDir}`);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain("the dead-letter queue is empty; nothing to do.");
  });

  it("exits 3 with an explanation while the runtime runs on the directory (run as `npm run redrive` runs it)", async () => {
    // What the runtime holds while it runs: its local DynamoDB, open on the directory's database.
    const held = await startLocalDynamo({ dir: localPaths(dataDir).dynamodb, tableName: LOCAL.table, region: LOCAL.region });
    try {
      const r = runScript("redrive", ["--data-dir", dataDir]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/local runtime is running on .*Stop it/s);
    } finally {
      await held.close();
    }
  });

  it("re-drives the renditions' dead letters with --renditions, leaving the indexer's alone", async () => {
    const request = { type: "media.ready", userId: "0f8fad5b-d9cb-469f-a165-70867728950e", fileId: "01J0000000000000000000000B", key: "users/0f8fad5b-d9cb-469f-a165-70867728950e/01J0000000000000000000000B" };
    const renditions = await openLocalQueues(dataDir, "renditions");
    await renditions.queue.send(JSON.stringify(request));
    // Dead-lettered after the renditions queue's own redrive count (3), as the runtime would.
    for (let i = 0; i < 4; i++) {
      for (const m of await renditions.queue.receive(1, Date.now() + i * 10_000_000)) await renditions.queue.changeVisibility(m.receiptHandle!, 0, Date.now() + i * 10_000_000);
    }
    expect(renditions.deadLetters.size).toBe(1);

    const dry = await redrive("--renditions", "--data-dir", dataDir, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`receives=3 +sent=\\S+ +${request.key}`));
    expect(dry.stdout).not.toContain(key);

    const run = await redrive("--renditions", "--data-dir", dataDir);
    expect(run.stderr).toContain("redrive: 1 re-driven.");
    expect(run.stderr).toContain("it renders the re-driven messages");
    const after = await openLocalQueues(dataDir, "renditions");
    expect(after.deadLetters.size).toBe(0);
    expect(after.queue.list().map((m) => JSON.parse(m.body))).toEqual([request]);
    // The indexer's dead letter is where it was.
    expect((await openLocalQueues(dataDir)).deadLetters.size).toBe(1);
    expect((await redrive("--renditions", "--data-dir", dataDir)).stderr).toContain("the dead-letter queue is empty; nothing to do.");
  });

  it("refuses mixed or incomplete backends, and options it does not know", async () => {
    expect((await redrive("--local", "--queue-url", "https://sqs.eu-west-1.amazonaws.com/1/q")).code).toBe(2);
    expect((await redrive("--aws", "--queue-url", "https://sqs.eu-west-1.amazonaws.com/1/q")).code).toBe(2);
    const unknown = await redrive("--data-dir", dataDir, "--frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--frobnicate");
    expect(unknown.stderr).toContain("npm run redrive -- [options]");
  });
});
