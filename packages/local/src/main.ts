import { parseLocalConfig } from "./config";
import { startLocalRuntime } from "./runtime";
import { consoleLog } from "./console-log";

/** `npm start`: the whole system on this machine. Prints where it is and how to use it; Ctrl-C stops it. */
const startedAt = Date.now();
// The SDK warns that its 2027 releases will need Node 22; this machine's Node 20 runs today's fine.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const config = parseLocalConfig(process.env);
const runtime = await startLocalRuntime(config, consoleLog);

const url = runtime.url;
process.stdout.write(
  [
    "",
    `Media storage is running (ready in ${Date.now() - startedAt} ms)`,
    `  API and web app   ${url}`,
    `  storage (S3)      ${runtime.s3Endpoint}`,
    `  data              ${config.dataDir}`,
    `  email outbox      ${url}/_local/outbox?to=<email>`,
    "",
    "Try it:",
    `  scripts/curl-flow.sh some-photo.jpg        (API_URL=${url})`,
    `  curl -s ${url}/health`,
    "",
    `READY ${url}`,
    "",
  ].join("\n"),
);

/**
 * How long Ctrl-C waits for indexing and renditions under way. A longer one (an hour of audio takes minutes
 * to encode) is left unfinished; the durable queues deliver it again after the next start.
 */
const SHUTDOWN_GRACE_MS = 5_000;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  consoleLog.info(`stopping (${signal})`);
  await runtime.stop({ graceMs: SHUTDOWN_GRACE_MS });
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
