import { dynaliteDb, promised, type DynaliteError, type DynaliteStore, type Item, type TableDescription } from "./dynalite-internals";
import type { ItemRef } from "./item-locks";
import { duplicateItemError } from "./transact-request";

export interface TargetSpec {
  tableName: string;
  /** The item (Put) or the key (every other action) that names the target. */
  item: Item;
  /** The single-item operation's own checks of that key or item against the table. */
  validate(table: TableDescription): DynaliteError | null | undefined;
}

export interface Target {
  table: TableDescription;
  ref: ItemRef;
}

/**
 * Finds the table and dynalite key of every action of a transaction, checking each key as its single-item
 * operation does and refusing two actions on one item, as DynamoDB does, before anything is locked.
 */
export async function resolveTargets(store: DynaliteStore, specs: TargetSpec[]): Promise<Target[]> {
  const tables = new Map<string, TableDescription>();
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const { tableName, item, validate } of specs) {
    let table = tables.get(tableName);
    if (!table) {
      table = await promised<TableDescription>((cb) => store.getTable(tableName, cb));
      tables.set(tableName, table);
    }
    const invalid = validate(table);
    if (invalid) throw invalid;
    const ref = { tableName, key: dynaliteDb.createKey(item, table) };
    const id = `${tableName}\u0000${ref.key}`;
    if (seen.has(id)) throw duplicateItemError();
    seen.add(id);
    targets.push({ table, ref });
  }
  return targets;
}
