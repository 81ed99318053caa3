import type { DynaliteStore, Release } from "./dynalite-internals";

export interface ItemRef {
  tableName: string;
  /** dynalite's key string for the item (`db.createKey`). */
  key: string;
}

/**
 * Takes dynalite's own per-item lock (the one PutItem, UpdateItem and DeleteItem take) on every item, so
 * no single-item write interleaves with the transaction. Locks are taken one at a time in one global order
 * (table, then key): two transactions over overlapping items then always wait in the same direction and
 * cannot deadlock. Resolves to a function that releases them all.
 */
export async function lockItems(store: DynaliteStore, items: readonly ItemRef[]): Promise<() => void> {
  const ordered = [...items].sort((a, b) => compare(a.tableName, b.tableName) || compare(a.key, b.key));
  const releases: (() => void)[] = [];
  for (const { tableName, key } of ordered) {
    const release = await new Promise<Release>((resolve) => store.getItemDb(tableName).lock(key, resolve));
    releases.push(release());
  }
  return () => {
    for (const release of releases.reverse()) release();
  };
}

/** Code-unit order, the same for every caller (localeCompare would depend on the machine's locale). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
