import { describe, expect, it, vi } from "vitest";
import { MediaApi } from "./client";

/** The share-link methods speak the routes of the contract (README "Using the API"). */
describe("MediaApi share links", () => {
  function api(...bodies: Array<[status: number, body?: unknown]>) {
    const fetchFn = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => {
      const [status, body] = bodies.shift() ?? [500];
      return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: body === undefined ? {} : { "content-type": "application/json" } });
    });
    const client = new MediaApi("http://api", fetchFn as unknown as typeof fetch);
    client.useTokens({ accessToken: async () => "t", recover: async () => false });
    const sent = (i: number) => {
      const [url, init] = fetchFn.mock.calls[i]!;
      return { url, method: init?.method, body: init?.body };
    };
    return { client, sent };
  }

  it("creates, lists and revokes with the file and link ids in the path", async () => {
    const created = { shareId: "S1", url: "http://api/s/abc", expiresAt: "2030-01-01T01:00:00Z" };
    const listed = { shares: [{ shareId: "S1", createdAt: "2030-01-01T00:00:00Z", expiresAt: "2030-01-01T01:00:00Z" }] };
    const h = api([201, created], [200, listed], [204]);
    expect(await h.client.shareFile("01F", 3600)).toEqual(created);
    expect(await h.client.listShares("01F")).toEqual(listed);
    expect(await h.client.revokeShare("01F", "S1")).toBeUndefined();
    expect([h.sent(0), h.sent(1), h.sent(2)]).toEqual([
      { url: "http://api/files/01F/share", method: "POST", body: '{"expiresInSeconds":3600}' },
      { url: "http://api/files/01F/shares", method: "GET", body: undefined },
      { url: "http://api/files/01F/share/S1", method: "DELETE", body: undefined },
    ]);
  });

  it("keeps ids inside their path segment", async () => {
    const h = api([204]);
    await h.client.revokeShare("../me", "a/b");
    expect(h.sent(0).url).toBe("http://api/files/..%2Fme/share/a%2Fb");
  });

  it("turns a refusal into the app's error", async () => {
    const h = api([404, { error: { code: "NotFound", message: "No such file." } }]);
    await expect(h.client.shareFile("01F", 60)).rejects.toMatchObject({ source: "api", code: "NotFound", status: 404, message: "No such file." });
  });
});
