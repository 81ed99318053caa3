import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTHORIZER_CACHE_SECONDS } from "@media/core/authorizer-settings";
import type { RouteDefinition } from "@media/core/routes";
import { startGateway, type AuthorizerHandler } from "./gateway-server";

/**
 * The gateway's authorizer step as API Gateway runs it: an authorizer that throws or answers something
 * that is not a simple response is a 500 `{"message":"Internal Server Error"}` (never a 403), and such a
 * failure is not cached.
 */
const ROUTES: RouteDefinition[] = [{ method: "GET", path: "/me", handler: "api/me", auth: true }];

let answer: () => Promise<unknown> = async () => ({ isAuthorized: true, context: { userId: "u1" } });
let calls = 0;
const authorizer: AuthorizerHandler = async () => {
  calls += 1;
  return (await answer()) as Awaited<ReturnType<AuthorizerHandler>>;
};
const errors: string[] = [];
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway({
    routes: ROUTES,
    loadHandler: async () => async (event) => ({ statusCode: 200, body: JSON.stringify((event.requestContext as { authorizer?: unknown }).authorizer) }),
    authorizer,
    authorizerCacheSeconds: 300,
    identity: { accountId: "000000000000", apiId: "test", region: "us-east-1" },
    corsOrigins: [],
    port: 0,
    onError: (_error, routeKey) => errors.push(routeKey),
  });
});
afterAll(async () => {
  await gateway?.close();
});

const get = async (token: string) => {
  const res = await fetch(`${gateway.url}/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as unknown };
};

describe("the local gateway's authorizer step", () => {
  it("answers 500 when the authorizer throws, and asks it again on the next request", async () => {
    answer = async () => {
      throw new Error("JWKS unreachable");
    };
    calls = 0;
    expect(await get("t-throws")).toEqual({ status: 500, body: { message: "Internal Server Error" } });
    expect(errors).toContain("authorizer");
    answer = async () => ({ isAuthorized: true, context: { userId: "u1" } });
    expect(await get("t-throws")).toEqual({ status: 200, body: { lambda: { userId: "u1" } } });
    expect(calls).toBe(2);
  });

  it("answers 500 for an answer that is not a simple response", async () => {
    for (const [token, malformed] of [
      ["t-empty", {}],
      ["t-string", { isAuthorized: "true" }],
      ["t-null", null],
      ["t-context", { isAuthorized: true, context: "u1" }],
    ] as const) {
      answer = async () => malformed;
      expect(await get(token), token).toEqual({ status: 500, body: { message: "Internal Server Error" } });
    }
  });

  it("answers 403 for a denial and caches it by the Authorization header", async () => {
    answer = async () => ({ isAuthorized: false, context: {} });
    calls = 0;
    expect(await get("t-denied")).toEqual({ status: 403, body: { message: "Forbidden" } });
    expect(await get("t-denied")).toEqual({ status: 403, body: { message: "Forbidden" } });
    expect(calls).toBe(1);
  });
});

describe("the local gateway with the Api stack's authorizer cache setting", () => {
  it("asks the authorizer on every request, so a token refused after sign-out is refused at once", async () => {
    const uncached = await startGateway({
      routes: ROUTES,
      loadHandler: async () => async () => ({ statusCode: 200, body: "{}" }),
      authorizer,
      authorizerCacheSeconds: AUTHORIZER_CACHE_SECONDS,
      identity: { accountId: "000000000000", apiId: "test", region: "us-east-1" },
      corsOrigins: [],
      port: 0,
    });
    try {
      const status = async () => (await fetch(`${uncached.url}/me`, { headers: { authorization: "Bearer t-signed-out" } })).status;
      calls = 0;
      answer = async () => ({ isAuthorized: true, context: { userId: "u1" } });
      expect(await status()).toBe(200);
      expect(await status()).toBe(200);
      // The user signs out: the authorizer now refuses the token, and the very next request sees it.
      answer = async () => ({ isAuthorized: false, context: {} });
      expect(await status()).toBe(403);
      expect(calls).toBe(3);
    } finally {
      await uncached.close();
    }
  });
});
