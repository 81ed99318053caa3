import { parseArgs } from "node:util";
import type { PurgeSummary } from "@media/core/purge";
import { fail, parseCommandLine, type CliIo } from "./cli";
import { createProgress } from "./progress";
import { BACKEND_OPTIONS, BACKEND_USAGE, openRecovery, UsageError } from "./recovery-cli";

const USAGE = `npm run purge-user -- <sub> [options]

Deletes everything of one user: their account (Cognito), share links, originals (users/<sub>/), derived
files (derived/<sub>/), file records and usage item. Idempotent: a second run reports nothing left.
<sub> is the user's id (the Cognito sub, a UUID: the userId of /me and of the signup answer).

  --dry-run                 list what would be deleted, delete nothing
${BACKEND_USAGE}`;

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...BACKEND_OPTIONS,
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** `npm run purge-user -- <sub> …` (scripts/purge-user.ts): the exit code; 2 for bad usage, 3 while the runtime runs. */
export async function purgeUserCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(() => parse(argv), io, USAGE);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail(io, `Name exactly one user (their sub).\n\n${USAGE}`, 2);
  const userId = positionals[0]!;
  const dryRun = values["dry-run"];

  const { isUserId } = await import("@media/core/keys");
  if (!isUserId(userId)) fail(io, `${JSON.stringify(userId)} is not a user's sub (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e).`, 2);
  const { purgeUser, purgeSteps, nothingLeft } = await import("@media/core/purge");
  const { RuntimeRunningError } = await import("./local-data");

  const progress = createProgress({ label: dryRun ? "purge-user (dry run)" : "purge-user", stream: io.stderr });
  const say = (line: string) => (io.stdout.isTTY ? progress.log(line) : io.stdout.write(`${line}\n`));

  let result: PurgeSummary;
  let closeBackend: () => Promise<void> = async () => undefined;
  try {
    const opened = await openRecovery(values, { userPool: true }, io);
    closeBackend = opened.close;
    const { backend, services } = opened;
    if (backend.kind === "local") {
      io.stderr.write(`${dryRun ? "Looking for" : "Purging"} user ${userId} in the local runtime's data in ${backend.dataDir}\n`);
    } else {
      const r = backend.resources;
      io.stderr.write(`${dryRun ? "Looking for" : "Purging"} user ${userId} in pool ${r.userPoolId}, table ${r.tableName}, bucket ${r.bucketName} (${r.region})\n`);
    }
    result = await purgeUser(services.purgeDeps(), userId, {
      dryRun,
      onPlanned: (plan) => progress.setTotal(purgeSteps(plan)),
      onProgress: (n) => progress.tick(n),
      onLine: say,
    });
  } catch (error) {
    progress.done();
    await closeBackend().catch(() => undefined);
    if (error instanceof UsageError) fail(io, `${error.message}\n\n${USAGE}`, 2);
    if (error instanceof RuntimeRunningError) fail(io, error.advice("the user is gone from it"), 3);
    fail(io, `purge-user failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  await closeBackend();

  const r = result;
  const what = `account ${r.account ? "yes" : "no"}, ${r.shares} share link(s), ${r.originals} original(s), ${r.derived} derived file(s), ${r.records} record(s), usage item ${r.usage ? "yes" : "no"}`;
  if (nothingLeft(r)) progress.done(`nothing left of ${userId}; nothing to do.`);
  else progress.done(dryRun ? `would delete ${what}. Nothing changed (dry run).` : `deleted ${what}.`);
  return 0;
}
