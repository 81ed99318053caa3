import { parseArgs } from "node:util";
import type { RecoveryServices } from "@media/functions/recovery-services";
import { fail, parseCommandLine, type CliIo } from "./cli";
import { createProgress } from "./progress";
import { BACKEND_OPTIONS, BACKEND_USAGE, openRecovery, UsageError } from "./recovery-cli";

const USAGE = `npm run migrate -- [options]

Converts the table written by the version before transactions: each usage item's ledger is dropped and
its counters recounted from the records, and each pending record's expiry moves out of the TTL attribute
(DynamoDB would delete it with its reservation) into pendingUntil, with its marker. Run it once after
deploying this version (its transitions refuse legacy pending records until then). Idempotent: a second
run finds nothing to convert.

  --dry-run                 list what would change, change nothing
${BACKEND_USAGE}`;

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      ...BACKEND_OPTIONS,
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** `npm run migrate -- …` (scripts/migrate.ts): the exit code; 2 for bad usage, 3 while the runtime runs. */
export async function migrateCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(() => parse(argv), io, USAGE);
  if (!parsed) return 0;
  const { values } = parsed;
  const dryRun = values["dry-run"];
  // Loaded once the arguments are usable: it pulls in the runtime's modules.
  const { RuntimeRunningError } = await import("./local-data");

  const progress = createProgress({ label: dryRun ? "migrate (dry run)" : "migrate", stream: io.stderr });
  // The listing goes to stdout when it is not a terminal (so it can be piped), next to the bar otherwise.
  const say = (line: string) => (io.stdout.isTTY ? progress.log(line) : io.stdout.write(`${line}\n`));
  let closeBackend: () => Promise<void> = async () => undefined;
  let report: Awaited<ReturnType<RecoveryServices["maintenance"]["migrateLegacy"]>>;
  try {
    const opened = await openRecovery(values, { userPool: false }, io);
    closeBackend = opened.close;
    const { backend, services } = opened;
    io.stderr.write(`${dryRun ? "Checking" : "Migrating"} ${backend.kind === "local" ? `the local runtime's data in ${backend.dataDir}` : `table ${backend.resources.tableName} (${backend.resources.region})`}\n`);
    report = await services.maintenance.migrateLegacy({ dryRun, onUser: () => progress.tick() });
    for (const { userId, recount } of report.usage) {
      const was = recount.before ? `${recount.before.files} file(s), ${recount.before.bytes} bytes` : "no usage item";
      say(`usage     ${userId}: ${was} → ${recount.after.files} file(s), ${recount.after.bytes} bytes${recount.changed ? "" : " (counters already right)"}${dryRun ? " (would be rewritten)" : ""}`);
    }
  } catch (error) {
    progress.done();
    await closeBackend().catch(() => undefined);
    if (error instanceof UsageError) fail(io, `${error.message}\n\n${USAGE}`, 2);
    if (error instanceof RuntimeRunningError) fail(io, error.advice("it would keep serving the old items"), 3);
    fail(io, `migrate failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  await closeBackend();
  progress.done(
    report.users === 0
      ? "Nothing to convert."
      : `${report.users} user(s), ${report.pendingRecords} pending record(s) ${dryRun ? "to convert. Nothing changed (dry run)." : "converted."}`,
  );
  return 0;
}
