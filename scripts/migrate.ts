import { runAsScript } from "./ops/cli";
import { migrateCli } from "./ops/migrate-cli";

// `npm run migrate -- --help` says what it does (scripts/ops/migrate-cli.ts).
await runAsScript(migrateCli);
