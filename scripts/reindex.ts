import { runAsScript } from "./ops/cli";
import { reindexCli } from "./ops/reindex-cli";

// `npm run reindex -- --help` says what it does (scripts/ops/reindex-cli.ts).
await runAsScript(reindexCli);
