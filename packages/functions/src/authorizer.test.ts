import { createServer } from "node:net";
import { AdminUserGlobalSignOutCommand, ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startTestPool, TEST_CLIENT_ID, TEST_POOL_ID, TEST_REGION, type TestPool } from "@media/testing/local-cognito-pool";
import type { SessionCutoffs, TokenRevocations } from "@media/core/sessions";
import { startDynalite, type LocalDynamo } from "@media/testing/local-dynamo";
import { authorizerEvent, context } from "@media/testing/lambda-events";
import { createAccessTokenVerifier } from "./access-token";
import { createCognitoTokenRevocations } from "./adapters/cognito-token-revocations";
import { createDynamoSessionCutoffs } from "./adapters/dynamo-session-cutoffs";
import { createAuthorizer, type AuthorizerDeps } from "./authorizer";
import type { AuthorizerConfig, Jwks } from "./config";

/**
 * The authorizer refuses bad tokens and fails on its own faults (issue 21): a missing or malformed
 * setting and an unreachable JWKS make the invocation throw, so API Gateway answers 500 and the error
 * alarm fires, instead of a 403 for every user. And it refuses the tokens of sessions that ended
 * (logout, password reset) from the next request on (issue 14).
 */
let pool: TestPool;
let dynamo: LocalDynamo;
let cutoffs: SessionCutoffs;
let revocations: TokenRevocations;
let cognitoCalls = 0;
let cfg: AuthorizerConfig;
let accessToken: string;
let idToken: string;
let sub: string;

beforeAll(async () => {
  pool = await startTestPool();
  dynamo = await startDynalite();
  cutoffs = createDynamoSessionCutoffs({ client: dynamo.baseClient, tableName: dynamo.tableName });
  pool.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "GetUserCommand") cognitoCalls += 1;
      return next(args);
    },
    { step: "initialize", name: "countGetUser" },
  );
  revocations = createCognitoTokenRevocations({ client: pool.client });
  const email = "authz@example.com";
  const password = "Authz-pass-123!";
  const signUp = await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: password }));
  sub = signUp.UserSub!;
  await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: pool.lastCode(email) }));
  const auth = await pool.client.send(
    new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }),
  );
  accessToken = auth.AuthenticationResult!.AccessToken!;
  idToken = auth.AuthenticationResult!.IdToken!;
  cfg = { region: TEST_REGION, tableName: dynamo.tableName, userPoolId: TEST_POOL_ID, userPoolClientId: TEST_CLIENT_ID, jwks: pool.cognito.jwks as Jwks };
});
afterAll(async () => {
  await pool?.stop();
  await dynamo?.stop();
});

const invoke = (authorize: ReturnType<typeof createAuthorizer>, authorization?: string) => authorize(authorizerEvent(authorization), context("authorizer"));

/** A port nothing listens on: fetching the JWKS there fails as an unreachable Cognito host does. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the authorizer's decisions", () => {
  it("accepts the pool's access tokens and refuses every bad token", async () => {
    const authorize = createAuthorizer(async () => ({ verifier: await createAccessTokenVerifier(cfg), cutoffs, revocations }));
    expect(await invoke(authorize, `Bearer ${accessToken}`)).toEqual({ isAuthorized: true, context: { userId: sub } });
    const deny = { isAuthorized: false, context: {} };
    expect(await invoke(authorize)).toEqual(deny);
    expect(await invoke(authorize, `Basic ${accessToken}`)).toEqual(deny);
    expect(await invoke(authorize, "Bearer not-a-jwt")).toEqual(deny);
    expect(await invoke(authorize, `Bearer ${accessToken}x`)).toEqual(deny);
    expect(await invoke(authorize, `Bearer ${idToken}`)).toEqual(deny);
    // Signed by a key the pool does not have: refused after the verifier looks for that key, without
    // reaching for Cognito's real host (which the local runtime cannot reach).
    const { privateKey } = await generateKeyPair("RS256");
    const [, payload] = accessToken.split(".");
    const forged = await new SignJWT(JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>)
      .setProtectedHeader({ alg: "RS256", kid: "not-the-pools-key" })
      .sign(privateKey);
    expect(await invoke(authorize, `Bearer ${forged}`)).toEqual(deny);
  });

  it("fails the invocation when the JWKS cannot be fetched at cold start, and retries on the next one", async () => {
    const port = await closedPort();
    let fetches = 0;
    const unreachable = {
      fetch: async () => {
        fetches += 1;
        const res = await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`);
        return res.arrayBuffer();
      },
    };
    let starting: Promise<AuthorizerDeps> | undefined;
    const authorize = createAuthorizer(() => {
      starting ??= createAccessTokenVerifier({ ...cfg, jwks: undefined }, unreachable).then(
        (verifier) => ({ verifier, cutoffs, revocations }),
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    });
    await expect(invoke(authorize, `Bearer ${accessToken}`)).rejects.toThrow();
    const afterFirst = fetches;
    expect(afterFirst).toBeGreaterThan(0);
    await expect(invoke(authorize, `Bearer ${accessToken}`)).rejects.toThrow();
    expect(fetches).toBeGreaterThan(afterFirst);
  });

  it("fails the invocation when the JWKS becomes unreachable while looking for a token's key", async () => {
    const port = await closedPort();
    let reachable = true;
    const flaky = {
      fetch: async () => {
        if (reachable) return new TextEncoder().encode(JSON.stringify(pool.cognito.jwks)).buffer as ArrayBuffer;
        return (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
      },
    };
    const verifier = await createAccessTokenVerifier({ ...cfg, jwks: undefined }, flaky);
    const authorize = createAuthorizer(async () => ({ verifier, cutoffs, revocations }));
    reachable = false;
    // A kid not in the cached keys makes the verifier fetch the JWKS again, which now fails.
    const { privateKey } = await generateKeyPair("RS256");
    const rotated = await new SignJWT({ sub, token_use: "access", client_id: TEST_CLIENT_ID })
      .setProtectedHeader({ alg: "RS256", kid: "rotated-key" })
      .setIssuer(pool.cognito.issuer)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    await expect(invoke(authorize, `Bearer ${rotated}`)).rejects.toThrow();
    // The tokens whose key is cached are still checked without the network.
    expect(await invoke(authorize, `Bearer ${accessToken}`)).toEqual({ isAuthorized: true, context: { userId: sub } });
  });
});

describe("sessions that ended", () => {
  async function signedIn(email: string) {
    const password = "Ended-pass-123!";
    const { UserSub } = await pool.client.send(new SignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, Password: password }));
    await pool.client.send(new ConfirmSignUpCommand({ ClientId: TEST_CLIENT_ID, Username: email, ConfirmationCode: pool.lastCode(email) }));
    const login = () =>
      pool.client.send(new InitiateAuthCommand({ ClientId: TEST_CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }));
    return { sub: UserSub!, login: async () => (await login()).AuthenticationResult!.AccessToken! };
  }

  it("refuses every token signed in up to the user's cut, from the next request on, and only that user's", async () => {
    const authorize = createAuthorizer(async () => ({ verifier: await createAccessTokenVerifier(cfg), cutoffs, revocations }));
    const ann = await signedIn("ended-ann@example.com");
    const annToken = await ann.login();
    const allowed = { isAuthorized: true, context: { userId: ann.sub } };
    const deny = { isAuthorized: false, context: {} };
    expect(await invoke(authorize, `Bearer ${annToken}`)).toEqual(allowed);
    // A cut in a second before the sign-in leaves it alone.
    await cutoffs.endSessions(ann.sub, pool.clock.now - 5000);
    expect(await invoke(authorize, `Bearer ${annToken}`)).toEqual(allowed);
    // As logout does it: Cognito signs the user out everywhere, then the cut is written.
    await pool.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: TEST_POOL_ID, Username: ann.sub }));
    const cut = pool.clock.now;
    await cutoffs.endSessions(ann.sub, cut);
    // Signed in during the cut's own second: Cognito says the session was signed out.
    expect(await invoke(authorize, `Bearer ${annToken}`)).toEqual(deny);
    // Another user's tokens are untouched.
    expect(await invoke(authorize, `Bearer ${accessToken}`)).toEqual({ isAuthorized: true, context: { userId: sub } });
    // Signed in again in that same second, after the sign-out: a live session, and Cognito is asked once.
    const again = await ann.login();
    const calls = cognitoCalls;
    expect(await invoke(authorize, `Bearer ${again}`)).toEqual(allowed);
    expect(await invoke(authorize, `Bearer ${again}`)).toEqual(allowed);
    expect(cognitoCalls).toBe(calls + 1);
    // A cut a second later ends it without asking Cognito; an earlier cut written late reopens nothing.
    pool.clock.advance(1000);
    await cutoffs.endSessions(ann.sub, cut + 1000);
    await cutoffs.endSessions(ann.sub, cut - 60_000);
    expect(await invoke(authorize, `Bearer ${again}`)).toEqual(deny);
    expect(cognitoCalls).toBe(calls + 1);
    // A sign-in in a later second than every cut is a new session.
    pool.clock.advance(1000);
    expect(await invoke(authorize, `Bearer ${await ann.login()}`)).toEqual(allowed);
  });

  it("fails the invocation when the cut cannot be read", async () => {
    const authorize = createAuthorizer(async () => ({
      verifier: await createAccessTokenVerifier(cfg),
      cutoffs: createDynamoSessionCutoffs({ client: dynamo.baseClient, tableName: "no-such-table" }),
      revocations,
    }));
    await expect(invoke(authorize, `Bearer ${accessToken}`)).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("the deployed handler's configuration, parsed at cold start", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    vi.resetModules();
    process.env = { ...saved };
  });
  afterAll(() => {
    process.env = saved;
  });

  function configure(overrides: Record<string, string | undefined>) {
    Object.assign(process.env, {
      AWS_REGION: TEST_REGION,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      TABLE_NAME: dynamo.tableName,
      USER_POOL_ID: TEST_POOL_ID,
      USER_POOL_CLIENT_ID: TEST_CLIENT_ID,
      JWKS_JSON: JSON.stringify(pool.cognito.jwks),
    });
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }

  it("verifies with the configured pool and keys", async () => {
    configure({});
    const { handler } = await import("./authorizer");
    expect(await handler(authorizerEvent(`Bearer ${accessToken}`), context("authorizer"))).toEqual({ isAuthorized: true, context: { userId: sub } });
  });

  it("throws, naming the setting, when one is missing or malformed: never a refusal", async () => {
    configure({ USER_POOL_ID: undefined });
    let { handler } = await import("./authorizer");
    await expect(handler(authorizerEvent(`Bearer ${accessToken}`), context("authorizer"))).rejects.toThrow(/USER_POOL_ID/);
    // Even a request without a token: the authorizer cannot decide anything while misconfigured.
    await expect(handler(authorizerEvent(undefined), context("authorizer"))).rejects.toThrow(/USER_POOL_ID/);

    vi.resetModules();
    configure({ JWKS_JSON: "{not json" });
    ({ handler } = await import("./authorizer"));
    await expect(handler(authorizerEvent(`Bearer ${accessToken}`), context("authorizer"))).rejects.toThrow(/JWKS_JSON/);
  });
});
