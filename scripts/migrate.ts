import { parseArgs } from "node:util";
import { createProgress } from "./ops/progress";
import { BACKEND_OPTIONS, BACKEND_USAGE, openRecovery, UsageError } from "./ops/recovery-cli";

const USAGE = `npm run migrate -- [options]

Converts the table written by the version before transactions: each usage item's ledger is dropped and
its counters recounted from the records, and each pending record's expiry moves out of the TTL attribute
(DynamoDB would delete it with its reservation) into pendingUntil, with its marker. Run it once after
deploying this version (its transitions refuse legacy pending records until then). Idempotent: a second
run finds nothing to convert.

  --dry-run                 list what would change, change nothing
${BACKEND_USAGE}`;

let values: ReturnType<typeof parse>["values"];
function parse() {
  return parseArgs({ options: { ...BACKEND_OPTIONS, "dry-run": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } } });
}
function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
try {
  ({ values } = parse());
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, 2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const dryRun = values["dry-run"];
const { RuntimeRunningError } = await import("./ops/local-data");

const progress = createProgress({ label: dryRun ? "migrate (dry run)" : "migrate" });
const say = (line: string) => (process.stdout.isTTY ? progress.log(line) : process.stdout.write(`${line}\n`));
let closeBackend: () => Promise<void> = async () => undefined;
try {
  const opened = await openRecovery(values, { userPool: false });
  closeBackend = opened.close;
  const { backend, services } = opened;
  process.stderr.write(`${dryRun ? "Checking" : "Migrating"} ${backend.kind === "local" ? `the local runtime's data in ${backend.dataDir}` : `table ${backend.resources.tableName} (${backend.resources.region})`}\n`);
  const report = await services.maintenance.migrateLegacy({ dryRun, onUser: () => progress.tick() });
  for (const { userId, recount } of report.usage) {
    const was = recount.before ? `${recount.before.files} file(s), ${recount.before.bytes} bytes` : "no usage item";
    say(`usage     ${userId}: ${was} → ${recount.after.files} file(s), ${recount.after.bytes} bytes${recount.changed ? "" : " (counters already right)"}${dryRun ? " (would be rewritten)" : ""}`);
  }
  await closeBackend();
  progress.done(
    report.users === 0
      ? "Nothing to convert."
      : `${report.users} user(s), ${report.pendingRecords} pending record(s) ${dryRun ? "to convert. Nothing changed (dry run)." : "converted."}`,
  );
  process.exit(0);
} catch (error) {
  progress.done();
  await closeBackend().catch(() => undefined);
  if (error instanceof UsageError) fail(`${error.message}\n\n${USAGE}`, 2);
  if (error instanceof RuntimeRunningError) fail(error.advice("it would keep serving the old items"), 3);
  fail(`migrate failed: ${error instanceof Error ? error.message : String(error)}`, 1);
}
