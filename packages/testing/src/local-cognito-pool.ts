import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { LocalIam } from "@media/local/iam/local-iam";
import { startLocalCognito, type LocalCognito, type LocalCognitoOptions } from "@media/local/cognito/cognito-server";
import type { OutboxMessage } from "@media/local/cognito/outbox";

/**
 * A local pool for tests: a temporary data directory, a clock the test moves, and the real SDK client
 * pointed at it with dummy credentials (nothing leaves 127.0.0.1).
 */
export interface TestPool {
  cognito: LocalCognito;
  client: CognitoIdentityProviderClient;
  dataDir: string;
  clock: { now: number; advance(ms: number): void };
  codes: OutboxMessage[];
  /** The last code sent to `email`. */
  lastCode(email: string): string;
  /** Stops the server and starts it again on the same data directory (a new client too). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_REGION = "us-east-1";
export const TEST_POOL_ID = "us-east-1_LocalTest";
export const TEST_CLIENT_ID = "localtestclient0123456789a";

/** The admin key the test clients sign with, and the only key the test pools accept. */
export const TEST_ADMIN = { accessKeyId: "LOCALTESTADMIN", secretAccessKey: "local-test-admin-secret" };
export const testIam = () => LocalIam.adminOnly(TEST_ADMIN, TEST_REGION);

export function sdkClient(endpoint: string, credentials = TEST_ADMIN): CognitoIdentityProviderClient {
  // One attempt: the SDK retries LimitExceededException as throttling, which only slows tests down.
  return new CognitoIdentityProviderClient({
    region: TEST_REGION,
    endpoint,
    credentials,
    maxAttempts: 1,
  });
}

export async function startTestPool(options: Pick<LocalCognitoOptions, "preferredUsernameSignIn"> = {}): Promise<TestPool> {
  const dataDir = await mkdtemp(join(tmpdir(), "local-cognito-"));
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const codes: OutboxMessage[] = [];
  const start = () =>
    startLocalCognito({
      ...options,
      iam: testIam(),
      dataDir,
      region: TEST_REGION,
      userPoolId: TEST_POOL_ID,
      clientId: TEST_CLIENT_ID,
      clock: () => clock.now,
      onCode: (message) => codes.push(message),
    });
  const pool: TestPool = {
    cognito: await start(),
    client: undefined as unknown as CognitoIdentityProviderClient,
    dataDir,
    clock,
    codes,
    lastCode(email) {
      const code = pool.cognito.outbox.messages(email).findLast((m) => m.code !== undefined)?.code;
      if (code === undefined) throw new Error(`no code was sent to ${email}`);
      return code;
    },
    async restart() {
      pool.client.destroy();
      await pool.cognito.close();
      pool.cognito = await start();
      pool.client = sdkClient(pool.cognito.endpoint);
    },
    async stop() {
      pool.client.destroy();
      await pool.cognito.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  pool.client = sdkClient(pool.cognito.endpoint);
  return pool;
}
