import { levelKeys, type DynaliteStore, type Item, type ItemDb, type LevelBatchOperation, type Release, type TableDescription } from "./dynalite-internals";

/**
 * A view of a dynalite store through which dynalite's own PutItem, UpdateItem and DeleteItem run one action
 * of a transaction: reads come from the store as it was before the transaction, and every write (the item
 * and its secondary-index entries) is recorded instead of applied, as one LevelDB batch operation each.
 * The transaction already holds the real per-item locks, so this view's lock is held at once.
 *
 * Running dynalite's actions this way reuses its condition evaluation, update-expression application,
 * item-size and index-key checks and index maintenance exactly, rather than a second copy of them.
 */
export interface StagedAction {
  store: DynaliteStore;
  /** The batch operations the action would have applied. */
  writes: LevelBatchOperation[];
  /** The item as the action read it (undefined when absent). */
  readonly existing: Item | undefined;
  /** The item the action would leave (undefined when it deletes or writes nothing). */
  readonly written: Item | undefined;
}

/**
 * `table`: the description the transaction resolved for this action's table, given back to dynalite's
 * action instead of a fresh read of it from LevelDB (one per action, and the same description anyway:
 * the transaction holds its items' locks, and a table's key schema and indexes do not change under it).
 */
export function stageAction(store: DynaliteStore, table?: TableDescription): StagedAction {
  const writes: LevelBatchOperation[] = [];
  let existing: Item | undefined;
  let written: Item | undefined;
  const heldAlready = (_key: string, exec: (release: Release) => void) =>
    exec((done) => (...args: unknown[]) => (done as ((...args: unknown[]) => void) | undefined)?.(...args));

  const itemDb = (tableName: string): ItemDb => {
    const real = store.getItemDb(tableName);
    return {
      lock: heldAlready,
      get: (key, cb) =>
        real.get(key, (error, item) => {
          if (!error) existing = item ?? undefined;
          cb(error, item);
        }),
      put: (key, value, cb) => {
        written = value as Item;
        writes.push({ type: "put", key: levelKeys.item(tableName, key), value });
        cb(null);
      },
      del: (key, cb) => {
        written = undefined;
        writes.push({ type: "del", key: levelKeys.item(tableName, key) });
        cb(null);
      },
    };
  };

  const staged: DynaliteStore = {
    options: store.options,
    db: store.db,
    getTable: (name, cb) => (table && name === table.TableName ? cb(null, table) : store.getTable(name, cb)),
    getItemDb: itemDb,
    getIndexDb: (indexType, tableName, indexName) => ({
      put: (key, value, cb) => {
        writes.push({ type: "put", key: levelKeys.index(indexType, tableName, indexName, key), value });
        cb(null);
      },
      del: (key, cb) => {
        writes.push({ type: "del", key: levelKeys.index(indexType, tableName, indexName, key) });
        cb(null);
      },
    }),
  };
  return {
    store: staged,
    writes,
    get existing() {
      return existing;
    },
    get written() {
      return written;
    },
  };
}
