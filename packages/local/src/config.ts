import { resolve } from "node:path";
import { z } from "zod";
import { AUTHORIZER_CACHE_SECONDS } from "@media/core/authorizer-settings";
import { INDEXER_SETTINGS } from "@media/core/indexer-settings";
import { DEFAULT_LIMITS } from "@media/core/limits";
import { servedHosts, type ServedHosts } from "./host-guard";

/**
 * Set to 1 only by the test helpers that spawn the runtime (@media/testing/browser-runtime): the runtime
 * then serves a control that moves the clock its user pool checks TOTP codes at
 * (cognito/totp-test-clock.ts). `npm start` leaves it unset, and no stack deploys this runtime.
 */
export const TOTP_TEST_CLOCK_ENV = "LOCAL_TEST_TOTP_CLOCK";
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

/** The local runtime's settings, from the environment, each failing with its name when malformed. */
const Schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  DATA_DIR: z.string().default(".data"),
  MAX_FILE_BYTES: z.coerce.number().int().positive().default(DEFAULT_LIMITS.maxFileBytes),
  QUOTA_BYTES: z.coerce.number().int().positive().default(DEFAULT_LIMITS.quotaBytes),
  SNS_WEBHOOKS: z.string().optional(),
  /** Where the web app is served from; the bucket's CORS rules allow it. */
  WEB_ORIGIN: z.string().url().optional(),
  /** API Gateway's cache of authorizer answers: as the Api stack sets it (off: logout must hold at once). */
  AUTHORIZER_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(AUTHORIZER_CACHE_SECONDS),
  /** Lambda's batching window for the index queue (the stack uses 5 s; locally 0 answers sooner). */
  INDEX_BATCH_WINDOW_SECONDS: z.coerce.number().min(0).max(300).default(0),
  /** Indexer invocations at once (the stack's event source maximum concurrency by default). */
  INDEX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(INDEXER_SETTINGS.maxConcurrency),
  // "1" on, "0" or unset off; anything else is refused, so a typo cannot pass unnoticed.
  [TOTP_TEST_CLOCK_ENV]: z.enum(["0", "1"]).default("0"),
});

export interface LocalConfig {
  port: number;
  host: string;
  /** The host names every local endpoint answers for: loopback, HOST and WEB_ORIGIN's (host-guard.ts). */
  servedHosts: ServedHosts;
  dataDir: string;
  maxFileBytes: number;
  quotaBytes: number;
  webhooks?: string;
  webOrigin?: string;
  authorizerCacheSeconds: number;
  indexBatchWindowSeconds: number;
  indexConcurrency: number;
  /** Whether the test-only TOTP clock control is served (TOTP_TEST_CLOCK_ENV). */
  totpTestClock: boolean;
}

export function parseLocalConfig(env: NodeJS.ProcessEnv): LocalConfig {
  const result = Schema.safeParse(env);
  if (!result.success) {
    throw new Error(`Invalid local configuration: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const e = result.data;
  if (e.MAX_FILE_BYTES > e.QUOTA_BYTES) throw new Error("Invalid local configuration: MAX_FILE_BYTES is larger than QUOTA_BYTES");
  // A control that weakens MFA (codes of later steps taken now) is for a test on this machine only.
  if (e[TOTP_TEST_CLOCK_ENV] === "1" && !LOOPBACK_HOSTS.has(e.HOST)) {
    throw new Error(`Invalid local configuration: ${TOTP_TEST_CLOCK_ENV}=1 is for tests only and needs HOST on loopback, not ${e.HOST}`);
  }
  const config: LocalConfig = {
    port: e.PORT,
    host: e.HOST,
    servedHosts: servedHosts({ host: e.HOST, webOrigin: e.WEB_ORIGIN }),
    // npm runs a workspace's script inside the workspace folder; INIT_CWD is where the user typed `npm start`.
    dataDir: resolve(env.INIT_CWD ?? process.cwd(), e.DATA_DIR),
    maxFileBytes: e.MAX_FILE_BYTES,
    quotaBytes: e.QUOTA_BYTES,
    authorizerCacheSeconds: e.AUTHORIZER_CACHE_SECONDS,
    indexBatchWindowSeconds: e.INDEX_BATCH_WINDOW_SECONDS,
    indexConcurrency: e.INDEX_CONCURRENCY,
    totpTestClock: e[TOTP_TEST_CLOCK_ENV] === "1",
  };
  if (e.SNS_WEBHOOKS) config.webhooks = e.SNS_WEBHOOKS;
  if (e.WEB_ORIGIN) config.webOrigin = e.WEB_ORIGIN;
  return config;
}
