import type { Callback, DynaliteStore } from "./dynalite-internals";

/**
 * Keeps dynalite's table descriptions in memory. dynalite reads a table's description from LevelDB at the
 * start of every call (GetItem, Query, each action of a transaction): a LevelDB read is a round trip
 * through libuv's thread pool, and on a busy machine those hand-offs cost more CPU than the call's own
 * work. A description changes only through this same sub-database (CreateTable, UpdateTable, DeleteTable,
 * tags), and only this process has the data directory open, so each one is read once and kept until a
 * write to that sub-database; every read still gets a fresh copy, as a LevelDB read would give.
 *
 * A read that started before a write must not bring the older value back into the cache after the write:
 * a generation counter, moved by every write as it starts and as it ends, decides whether a finished read
 * may be kept.
 */
export function cacheTableDescriptions(store: DynaliteStore): void {
  const tableDb = store.tableDb;
  if (!tableDb) throw new Error("dynalite's store has no tableDb: its internals changed");
  const read = tableDb.get.bind(tableDb);
  const known = new Map<string, string>();
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
    if (hit !== undefined) return void queueMicrotask(() => cb(null, JSON.parse(hit)));
    const startedAt = generation;
    return read(key, (error, value) => {
      if (!error && value !== undefined && startedAt === generation) known.set(key, JSON.stringify(value));
      cb(error, value);
    });
  };
}
