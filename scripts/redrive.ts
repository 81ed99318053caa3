import { runAsScript } from "./ops/cli";
import { redriveCli } from "./ops/redrive-cli";

// `npm run redrive -- --help` says what it does (scripts/ops/redrive-cli.ts).
await runAsScript(redriveCli);
