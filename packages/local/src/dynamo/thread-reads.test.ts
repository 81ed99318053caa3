import { describe, expect, it } from "vitest";
import type { Callback, DynaliteStore } from "./dynalite-internals";
import { readInThread } from "./thread-reads";

/** A LevelDB as dynalite wraps it: `get` through the pool (counted), `getSync` on the thread. */
function fakeDb(values: Record<string, unknown>) {
  const db = {
    status: "open",
    supports: { getSync: true },
    pooled: 0,
    getSync(key: string): unknown {
      if (key === "undecodable") throw Object.assign(new Error("Could not decode value"), { code: "LEVEL_DECODE_ERROR" });
      return values[key];
    },
    get(key: string, cb: Callback<unknown>): void {
      db.pooled += 1;
      setImmediate(() => (key === "undecodable" ? cb(Object.assign(new Error("NotFoundError"), { statusCode: 400 })) : cb(null, values[key])));
    },
  };
  readInThread({ db } as unknown as DynaliteStore);
  const read = (key: string) => {
    let answeredAtOnce = true;
    const answer = new Promise<{ error: unknown; value: unknown }>((resolve) => db.get(key, (error, value) => resolve({ error, value })));
    answeredAtOnce = false;
    return answer.then((a) => ({ ...a, answeredAtOnce }));
  };
  return { db, read };
}

describe("single-key reads on the local DynamoDB's own thread", () => {
  it("answers from LevelDB's synchronous get, on a later turn of the loop, with the same values", async () => {
    const { db, read } = fakeDb({ a: { S: "x" } });
    expect(await read("a")).toEqual({ error: null, value: { S: "x" }, answeredAtOnce: false });
    expect(await read("missing")).toEqual({ error: null, value: undefined, answeredAtOnce: false });
    expect(db.pooled).toBe(0);
  });

  it("leaves what is unusual to dynalite's own path: a database not open, a value that does not decode", async () => {
    const { db, read } = fakeDb({ a: { S: "x" } });
    expect((await read("undecodable")).error).toMatchObject({ message: "NotFoundError" });
    expect(db.pooled).toBe(1);
    db.status = "closing";
    expect((await read("a")).value).toEqual({ S: "x" });
    expect(db.pooled).toBe(2);
  });
});
