import { parseArgs } from "node:util";
import type { ReindexSummary } from "@media/core/reindex";
import { fail, parseCommandLine, type CliIo } from "./cli";
import { createProgress } from "./progress";
import { BACKEND_OPTIONS, BACKEND_USAGE, openRecovery, UsageError } from "./recovery-cli";

const USAGE = `npm run reindex -- [options]

Rebuilds the file records and each owner's usage from what is in the bucket, for a lost or corrupted
table. Every original under users/ without a record is indexed again as the indexer does it (content
checked, metadata and thumbnail rebuilt, disguised files rejected); records that exist are left alone,
except ready ones whose size is not their object's (indexed again, name/description/tags kept);
pending records whose file arrived are indexed; each owner's usage is recomputed from their records.
Every ready file that owes renditions (none recorded for its object: a rebuilt record, a file from before
renditions existed) gets a request on the renditions queue, once; the runtime (or the renditions
function) makes them. On AWS that needs the renditions queue's URL (RenditionQueueUrl in --outputs, or
--rendition-queue-url); without it no renditions are requested, and the summary says so.
Idempotent: a second run changes nothing. Rebuilt files are not announced on SNS.

  --dry-run                 list what would change, change nothing
  --user SUB                only this user's files
${BACKEND_USAGE}`;

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      ...BACKEND_OPTIONS,
      "dry-run": { type: "boolean", default: false },
      user: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** `npm run reindex -- …` (scripts/reindex.ts): the exit code; 2 for bad usage, 3 while the runtime runs. */
export async function reindexCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(() => parse(argv), io, USAGE);
  if (!parsed) return 0;
  const { values } = parsed;
  const dryRun = values["dry-run"];

  // Loaded once the arguments are usable: they pull in the AWS SDK, sharp and the runtime's modules.
  const { isUserId } = await import("@media/core/keys");
  const { reindex, formatReindexItem, formatRenditionItem } = await import("@media/core/reindex");
  const { RuntimeRunningError } = await import("./local-data");
  if (values.user !== undefined && !isUserId(values.user)) fail(io, `--user must be a user's sub (a UUID), not ${JSON.stringify(values.user)}`, 2);

  const progress = createProgress({ label: dryRun ? "reindex (dry run)" : "reindex", stream: io.stderr });
  // The listing goes to stdout when it is not a terminal (so it can be piped), next to the bar otherwise.
  const say = (line: string) => (io.stdout.isTTY ? progress.log(line) : io.stdout.write(`${line}\n`));

  let summary: ReindexSummary;
  let renditionsRequested = true;
  let closeBackend: () => Promise<void> = async () => undefined;
  try {
    const opened = await openRecovery(values, { userPool: false }, io);
    closeBackend = opened.close;
    const { backend, services } = opened;
    if (backend.kind === "local") {
      io.stderr.write(`${dryRun ? "Checking" : "Reindexing"} the local runtime's data in ${backend.dataDir}\n`);
    } else {
      io.stderr.write(`${dryRun ? "Checking" : "Reindexing"} table ${backend.resources.tableName} from bucket ${backend.resources.bucketName} (${backend.resources.region})\n`);
    }
    const deps = services.reindexDeps();
    renditionsRequested = deps.renditions !== undefined;
    summary = await reindex(deps, {
      dryRun,
      ...(values.user ? { userId: values.user } : {}),
      onListed: (total) => progress.setTotal(total),
      onItem: (item) => {
        // Records that are right are the common case of a second run: counted, not listed.
        if (item.action !== "kept") say(formatReindexItem(item));
        progress.tick();
      },
      onRenditions: (item) => say(formatRenditionItem(item)),
      onUsage: (userId, recount) => {
        if (!recount.changed) return;
        const was = recount.before ? `${recount.before.files} file(s), ${recount.before.bytes} bytes` : "no usage item";
        say(`usage     ${userId}: ${was} → ${recount.after.files} file(s), ${recount.after.bytes} bytes${dryRun ? " (would be set)" : ""}`);
      },
    });
  } catch (error) {
    progress.done();
    await closeBackend().catch(() => undefined);
    if (error instanceof UsageError) fail(io, `${error.message}\n\n${USAGE}`, 2);
    if (error instanceof RuntimeRunningError) fail(io, error.advice("it serves the rebuilt records"), 3);
    fail(io, `reindex failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  await closeBackend();

  const s = summary;
  const changes = s.rebuilt + s.indexedPending + s.repaired + s.usageChanged + s.renditionsQueued;
  const parts = [
    `${s.objects} object(s)`,
    `${s.kept} record(s) already right`,
    `${s.rebuilt} ${dryRun ? "to rebuild" : `rebuilt (${s.rebuiltReady} ready, ${s.rebuiltRejected} rejected)`}`,
    s.fallbackNames ? `${s.fallbackNames} without a stored name (named {fileId}.{ext})` : "",
    s.indexedPending ? `${s.indexedPending} pending record(s) ${dryRun ? "to index" : "indexed"}` : "",
    s.repaired ? `${s.repaired} record(s) not matching their object ${dryRun ? "to index again" : "indexed again"}` : "",
    `usage ${dryRun ? "to correct" : "corrected"} for ${s.usageChanged} of ${s.usageChecked} user(s)`,
    s.renditionsQueued ? `renditions ${dryRun ? "to request" : "requested"} for ${s.renditionsQueued} file(s)` : "",
    s.renditionsAlreadyQueued ? `renditions already requested for ${s.renditionsAlreadyQueued} file(s)` : "",
    renditionsRequested ? "" : "no renditions requested (no renditions queue: pass --rendition-queue-url or --outputs)",
    s.ignored ? `${s.ignored} ignored` : "",
    s.failed ? `${s.failed} FAILED` : "",
  ].filter(Boolean);
  progress.done(`${parts.join(", ")}.${dryRun ? " Nothing changed (dry run)." : changes === 0 && s.failed === 0 ? " Nothing to do." : ""}`);
  return s.failed > 0 ? 1 : 0;
}
