import type { DynaliteStore } from "./dynalite-internals";

interface SyncReadable {
  status?: string;
  supports?: { getSync?: boolean };
  getSync?(key: string): unknown;
}

/**
 * Serves dynalite's single-key reads (an item, a client token, a table description) on the local
 * DynamoDB's own thread, with LevelDB's synchronous get, instead of a round trip through libuv's thread
 * pool. Such a read is a lookup in LevelDB's memtable and block cache, a few microseconds; the round trip
 * around it (queue the work, wake a pool thread, wake this thread again with the answer) cost far more,
 * and on a busy machine each hand-off waits for a core: it was a quarter of this thread's time per
 * presign. The thread exists only to serve the table, so blocking it for a read blocks nothing else.
 *
 * The answer still arrives on a later turn of the event loop, as dynalite's own wrapper delivers it
 * (setImmediate), and the value is the same: the latest one written, decoded the same way. Anything
 * unusual (the database not open yet or closing, a value that does not decode) goes to dynalite's own
 * asynchronous path, which reports it as it always did. Range reads (Query, Scan) are untouched.
 */
export function readInThread(store: DynaliteStore): void {
  const db = store.db as DynaliteStore["db"] & SyncReadable;
  if (typeof db.getSync !== "function" || db.supports?.getSync !== true) return;
  const getSync = db.getSync.bind(db);
  const viaPool = db.get.bind(db);
  db.get = (key, cb) => {
    if (typeof cb !== "function" || db.status !== "open") return viaPool(key, cb);
    let value: unknown;
    try {
      value = getSync(key);
    } catch {
      return viaPool(key, cb);
    }
    setImmediate(cb, null, value);
  };
}
