import { runAsScript } from "./ops/cli";
import { purgeUserCli } from "./ops/purge-user-cli";

// `npm run purge-user -- --help` says what it does (scripts/ops/purge-user-cli.ts).
await runAsScript(purgeUserCli);
