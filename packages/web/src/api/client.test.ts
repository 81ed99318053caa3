import { describe, expect, it, vi } from "vitest";
import { MediaApi, type TokenSource } from "./client";

function respond(status: number, body?: string, type = "application/json") {
  return new Response(body ?? null, { status, headers: body ? { "content-type": type } : {} });
}

function api(responses: Response[], recover = true) {
  const fetchFn = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => responses.shift() ?? respond(500));
  let token = "t1";
  const tokens: TokenSource = {
    accessToken: vi.fn(async () => token),
    recover: vi.fn(async () => {
      token = "t2";
      return recover;
    }),
  };
  const client = new MediaApi("http://api", fetchFn as unknown as typeof fetch);
  client.useTokens(tokens);
  return { client, fetchFn, tokens };
}

describe("MediaApi", () => {
  it("sends the bearer token and JSON, and builds query strings without empty values", async () => {
    const h = api([respond(200, '{"files":[],"nextCursor":null}')]);
    await h.client.list({ limit: 30, cursor: undefined, type: "audio", q: "" });
    const [url, init] = h.fetchFn.mock.calls[0]!;
    expect(url).toBe("http://api/retrieve?limit=30&type=audio");
    expect((init!.headers as Record<string, string>).authorization).toBe("Bearer t1");
  });

  it("refreshes once and retries when the gateway refuses the token (401 or 403)", async () => {
    for (const [status, message] of [[401, "Unauthorized"], [403, "Forbidden"]] as const) {
      const h = api([respond(status, JSON.stringify({ message })), respond(200, '{"userId":"u"}')]);
      expect(await h.client.me()).toEqual({ userId: "u" });
      expect(h.tokens.recover).toHaveBeenCalledTimes(1);
      expect((h.fetchFn.mock.calls[1]![1]!.headers as Record<string, string>).authorization).toBe("Bearer t2");
    }
  });

  it("gives up with the session error when the refresh fails", async () => {
    const h = api([respond(401, '{"message":"Unauthorized"}')], false);
    await expect(h.client.me()).rejects.toMatchObject({ code: "Unauthorized", message: "Your session has ended. Sign in again." });
    expect(h.fetchFn).toHaveBeenCalledTimes(1);
  });

  it("does not retry our own refusals, nor calls without a token", async () => {
    const h = api([respond(403, JSON.stringify({ error: { code: "UserNotConfirmed", message: "Confirm your email address with the code we sent before logging in." } }))]);
    await expect(h.client.login("a@b.c", "x")).rejects.toMatchObject({ code: "UserNotConfirmed" });
    expect(h.tokens.recover).not.toHaveBeenCalled();
    expect((h.fetchFn.mock.calls[0]![1]!.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it("reads 204 as nothing, and an unreadable success as an error", async () => {
    const h = api([respond(204), respond(200, "<html>", "text/html")]);
    expect(await h.client.deleteFile("01ABC")).toBeUndefined();
    await expect(h.client.me()).rejects.toMatchObject({ code: "BadResponse" });
  });

  it("reports a network failure in words", async () => {
    const h = api([]);
    h.fetchFn.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await expect(h.client.me()).rejects.toMatchObject({ source: "network", message: "Can't reach the server. Check your connection and try again." });
  });
});
