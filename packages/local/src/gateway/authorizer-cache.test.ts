import { describe, expect, it } from "vitest";
import { AuthorizerCache } from "./authorizer-cache";

const allow = { isAuthorized: true, context: { userId: "u1" } };

describe("the gateway's cache of authorizer answers", () => {
  it("keeps nothing with a TTL of 0, so every request asks the authorizer", () => {
    const cache = new AuthorizerCache(0);
    cache.set("Bearer a", allow, 1_000);
    expect(cache.get("Bearer a", 1_000)).toBeUndefined();
  });

  it("answers from the cache until the TTL has passed, then asks again", () => {
    const cache = new AuthorizerCache(300_000);
    cache.set("Bearer a", allow, 1_000);
    expect(cache.get("Bearer a", 1_000 + 299_999)).toEqual(allow);
    expect(cache.get("Bearer a", 1_000 + 300_000)).toBeUndefined();
    // An expired answer is gone, not revived by an earlier clock.
    expect(cache.get("Bearer a", 1_000)).toBeUndefined();
  });

  it("is keyed by the whole identity source: another header value is another entry", () => {
    const cache = new AuthorizerCache(60_000);
    cache.set("Bearer a", allow, 0);
    expect(cache.get("Bearer b", 0)).toBeUndefined();
    expect(cache.get("bearer a", 0)).toBeUndefined();
    expect(cache.get("Bearer a", 0)).toEqual(allow);
  });

  it("stays bounded: past its size the oldest answer goes first", () => {
    const cache = new AuthorizerCache(60_000, 2);
    cache.set("1", allow, 0);
    cache.set("2", allow, 0);
    cache.set("3", allow, 0);
    expect([cache.get("1", 0), cache.get("2", 0), cache.get("3", 0)]).toEqual([undefined, allow, allow]);
  });
});
