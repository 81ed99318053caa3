import type { Callback, DynaliteStore } from "./dynalite-internals";

/**
 * Keeps dynalite's table descriptions in memory. dynalite reads a table's description from LevelDB at the
 * start of every call (GetItem, Query, each action of a transaction): a LevelDB read is a round trip
 * through libuv's thread pool, and on a busy machine those hand-offs cost more CPU than the call's own
 * work. A description changes only through this same sub-database (CreateTable, UpdateTable, DeleteTable,
 * tags), and only this process has the data directory open, so each one is read once and kept until a
 * write to that sub-database; every read still gets a fresh copy, as a LevelDB read would give.
 *
 * The copy is made by walking the kept value, not by JSON.parse of a kept text: a description is about
 * 1.2 KB of JSON, which took 4 µs to parse at every GetItem and transaction, and the walk about 1 µs.
 * A value read from LevelDB came out of JSON, so it holds nothing a walk of plain objects, arrays and
 * primitives would miss.
 *
 * A read that started before a write must not bring the older value back into the cache after the write:
 * a generation counter, moved by every write as it starts and as it ends, decides whether a finished read
 * may be kept.
 */
export function cacheTableDescriptions(store: DynaliteStore): void {
  const tableDb = store.tableDb;
  if (!tableDb) throw new Error("dynalite's store has no tableDb: its internals changed");
  const read = tableDb.get.bind(tableDb);
  const known = new Map<string, unknown>();
  let generation = 0;
  const changed = () => {
    generation += 1;
    known.clear();
  };
  const write =
    <A extends unknown[]>(original: (...args: A) => unknown) =>
    (...args: A): unknown => {
      changed();
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb !== "function") {
        const done = original(...args) as Promise<unknown>;
        return done.finally(changed);
      }
      args[last] = ((...results: unknown[]) => {
        changed();
        (cb as (...r: unknown[]) => void)(...results);
      }) as A[number];
      return original(...args);
    };
  tableDb.put = write(tableDb.put.bind(tableDb));
  tableDb.del = write(tableDb.del.bind(tableDb));
  tableDb.batch = write(tableDb.batch.bind(tableDb));
  tableDb.get = (key: string, cb?: Callback<unknown>) => {
    if (typeof cb !== "function") return read(key);
    const hit = known.get(key);
    if (hit !== undefined) return void queueMicrotask(() => cb(null, copyOf(hit)));
    const startedAt = generation;
    return read(key, (error, value) => {
      if (!error && value !== undefined && startedAt === generation) known.set(key, copyOf(value));
      cb(error, value);
    });
  };
}

/** A deep copy of a value decoded from JSON (plain objects, arrays, strings, numbers, booleans, null). */
export function copyOf<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyOf(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyOf((value as Record<string, unknown>)[key]);
  return out as T;
}
