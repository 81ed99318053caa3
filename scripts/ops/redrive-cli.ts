import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { CliExit, envOf, fail as failWith, parseCommandLine, type CliIo } from "./cli";
import type { DeadLetter, RedriveResult } from "./dead-letters";
import { createProgress } from "./progress";

const USAGE = `npm run redrive -- [options]

Lists the indexer's dead-letter queue (id, receive count, sent time, the S3 keys inside) and sends every
message back to the index queue, removing it from the dead-letter queue once the index queue has it.
With --renditions, the same for the renditions' dead-letter queue and queue (rendition requests: the
files are rendered again; files whose renditions exist meanwhile are skipped by the function).
Idempotent: a second run finds nothing to do.

  --dry-run                 list only, change nothing
  --renditions              the renditions' queues instead of the indexer's
Local runtime (the default when no AWS queue is named):
  --local                   operate on the local runtime's queues
  --data-dir DIR            its DATA_DIR (default: $DATA_DIR, else .data); the runtime must be stopped
AWS (credentials and region from the usual AWS environment or profile):
  --aws                     operate on SQS
  --queue-url URL           the index queue (stack output QueueUrl; with --renditions RenditionQueueUrl)
  --dlq-url URL             its dead-letter queue (DeadLetterQueueUrl; with --renditions RenditionDeadLetterQueueUrl)
  --outputs FILE            or take both from an outputs file (sst deploy's .sst/outputs.json)
  --stack NAME              which stack of that file, when several have the queues (a substring of its name)
  --region REGION           otherwise AWS_REGION
  --max N                   stop after N messages
  --visibility-timeout S    how long a message being handled stays hidden (default 120)
  --force                   send even if the index queue's redrive policy names another DLQ
`;

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      "dry-run": { type: "boolean", default: false },
      renditions: { type: "boolean", default: false },
      local: { type: "boolean", default: false },
      "data-dir": { type: "string" },
      aws: { type: "boolean", default: false },
      "queue-url": { type: "string" },
      "dlq-url": { type: "string" },
      outputs: { type: "string" },
      stack: { type: "string" },
      region: { type: "string" },
      max: { type: "string" },
      "visibility-timeout": { type: "string" },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** `npm run redrive -- …` (scripts/redrive.ts): the exit code; 2 for bad usage, 3 while the runtime runs. */
export async function redriveCli(argv: string[], io: CliIo): Promise<number> {
  function fail(message: string, code = 2): never {
    return failWith(io, message, code);
  }
  const parsed = parseCommandLine(() => parse(argv), io, USAGE);
  if (!parsed) return 0;
  const { values } = parsed;
  const awsNamed = values.aws || !!values["queue-url"] || !!values["dlq-url"] || !!values.outputs;
  if (values.local && awsNamed) fail("Choose either --local or the AWS options, not both.\n\n" + USAGE);
  if (awsNamed && !values.outputs && (!values["queue-url"] || !values["dlq-url"])) fail("AWS needs both --queue-url and --dlq-url (or --outputs).\n\n" + USAGE);
  const dryRun = values["dry-run"];
  const which = values.renditions ? "renditions" : "index";
  const queueName = values.renditions ? "renditions queue" : "index queue";
  const positive = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) fail(`--${name} must be a positive integer`);
    return n;
  };

  const maxMessages = positive("max", values.max);
  const visibilityTimeoutSeconds = positive("visibility-timeout", values["visibility-timeout"]);

  const { resolveDataDir, lockLocalData, RuntimeRunningError } = await import("./local-data");
  const refuseWhileRunning = (error: unknown) => {
    if (error instanceof RuntimeRunningError) fail(error.advice(`the re-driven messages are ${values.renditions ? "rendered" : "indexed"} as it starts`), 3);
  };
  let localDataDir = "";
  if (!awsNamed) {
    const { dataDir, note } = resolveDataDir(values["data-dir"], envOf(io));
    if (note) io.stderr.write(`${note}\n`);
    if (!existsSync(dataDir)) fail(`No local data at ${dataDir} (pass --data-dir, or set DATA_DIR as for npm start).`);
    // Refused before the AWS SDK and the queues' modules load, so the answer comes at once while the
    // runtime runs (redriveLocal checks again, and then holds the lock).
    try {
      await (await lockLocalData(dataDir)).release();
    } catch (error) {
      refuseWhileRunning(error);
      fail(`redrive failed: ${error instanceof Error ? error.message : String(error)}`, 1);
    }
    localDataDir = dataDir;
  }
  // Loaded once the arguments are known to be usable (they pull in the AWS SDK and the runtime's modules).
  const { formatDeadLetter, redriveAws, redriveLocal } = await import("./dead-letters");
  const progress = createProgress({ label: dryRun ? "listing" : "redrive", stream: io.stderr });
  const onListed = (m: DeadLetter) => progress.log(formatDeadLetter(m));
  // The listing goes to stdout when it is not a terminal (so it can be piped), next to the bar otherwise.
  const collect = (m: DeadLetter) => {
    if (io.stdout.isTTY) onListed(m);
    else io.stdout.write(`${formatDeadLetter(m)}\n`);
  };

  let result: RedriveResult;
  let where: string;
  try {
    if (awsNamed) {
      let queueUrl = values["queue-url"];
      let dlqUrl = values["dlq-url"];
      if (values.outputs) ({ queueUrl, dlqUrl } = await fromOutputs(io, values.outputs, values.stack, { queueUrl, dlqUrl }, OUTPUT_NAMES[which]));
      if (!queueUrl || !dlqUrl) fail("AWS needs both --queue-url and --dlq-url (or --outputs).\n\n" + USAGE);
      const { SQSClient } = await import("@aws-sdk/client-sqs");
      const region = values.region ?? envOf(io).AWS_REGION ?? envOf(io).AWS_DEFAULT_REGION ?? regionOf(queueUrl);
      const sqs = new SQSClient(region ? { region } : {});
      where = `SQS ${dlqUrl} → ${queueUrl}`;
      io.stderr.write(`${dryRun ? "Listing" : "Re-driving"} ${where}\n`);
      try {
        result = await redriveAws({
          sqs,
          queueUrl,
          dlqUrl,
          dryRun,
          force: values.force,
          maxMessages,
          visibilityTimeoutSeconds,
          progress,
          onListed: collect,
        });
      } finally {
        sqs.destroy();
      }
    } else {
      where = `the local runtime's queues in ${localDataDir}`;
      io.stderr.write(`${dryRun ? "Listing" : "Re-driving"} ${where}\n`);
      result = await redriveLocal({ dataDir: localDataDir, dryRun, queue: which, progress, onListed: collect });
    }
  } catch (error) {
    progress.done();
    if (error instanceof CliExit) throw error;
    refuseWhileRunning(error);
    fail(`redrive failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }

  for (const p of result.problems) progress.log(`problem: ${p}`);
  const summary = dryRun
    ? `${result.listed.length} message(s) in the dead-letter queue; nothing changed (dry run).`
    : result.listed.length === 0
      ? "the dead-letter queue is empty; nothing to do."
      : `${result.redriven} re-driven${result.alreadyQueued ? `, ${result.alreadyQueued} were already back in the ${queueName} (removed from the DLQ)` : ""}${result.failed ? `, ${result.failed} failed` : ""}.`;
  progress.done(summary);
  if (!dryRun && !awsNamed && result.redriven + result.alreadyQueued > 0) {
    io.stderr.write(`Start the runtime (npm start): it ${values.renditions ? "renders" : "indexes"} the re-driven messages as it starts.\n`);
  }
  return result.failed > 0 ? 1 : 0;
}

/** The stack outputs that name each queue pair (stacks/Storage.ts and stacks/Renditions.ts). */
const OUTPUT_NAMES = {
  index: { queue: "QueueUrl", dlq: "DeadLetterQueueUrl" },
  renditions: { queue: "RenditionQueueUrl", dlq: "RenditionDeadLetterQueueUrl" },
} as const;

/** A queue's URL and its DLQ's from an outputs file: `{ "<stack>": { "QueueUrl": …, "DeadLetterQueueUrl": … } }`. */
async function fromOutputs(io: CliIo, file: string, stack: string | undefined, given: { queueUrl?: string; dlqUrl?: string }, names: { queue: string; dlq: string }) {
  const outputs = JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, string>>;
  const candidates = Object.entries(outputs).filter(([name, o]) => o?.[names.queue] && o?.[names.dlq] && (!stack || name.includes(stack)));
  if (candidates.length !== 1) {
    failWith(io, `${file}: ${candidates.length === 0 ? "no stack" : "several stacks"} with ${names.queue} and ${names.dlq}${stack ? ` matching ${stack}` : ""}; ${candidates.length ? "pass --stack" : "pass the URLs"}.`, 2);
  }
  const [, o] = candidates[0]!;
  return { queueUrl: given.queueUrl ?? o[names.queue], dlqUrl: given.dlqUrl ?? o[names.dlq] };
}

/** https://sqs.<region>.amazonaws.com/<account>/<name> */
function regionOf(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\//.exec(url)?.[1];
}
