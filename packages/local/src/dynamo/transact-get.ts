import { dynaliteDb, promised, singleItemActions, type DynaliteStore, type Item } from "./dynalite-internals";
import { lockItems } from "./item-locks";
import { consumedCapacity } from "./transact-responses";
import { resolveTargets } from "./transact-targets";

interface GetAction {
  TableName: string;
  Key: Item;
  _projection?: { nestedPaths?: unknown };
}

/**
 * TransactGetItems on a dynalite store: the items as one serializable snapshot. The reads hold the same
 * per-item locks as TransactWriteItems (taken in the same order), so they see every transaction over
 * those items wholly or not at all, and dynalite's own GetItem reads each item with its projection.
 */
export async function transactGet(store: DynaliteStore, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const gets = (data.TransactItems as { Get: GetAction }[]).map((entry) => entry.Get);
  const targets = await resolveTargets(
    store,
    gets.map((get) => ({
      tableName: get.TableName,
      item: get.Key,
      validate: (table) => dynaliteDb.validateKey(get.Key, table) || dynaliteDb.validateKeyPaths(get._projection?.nestedPaths, table),
    })),
  );
  const release = await lockItems(
    store,
    targets.map((target) => target.ref),
  );
  let results: { Item?: Item }[];
  try {
    // GetItem's own capacity and consistency options are not part of a transactional Get.
    results = await Promise.all(gets.map((get) => promised<{ Item?: Item }>((cb) => singleItemActions.getItem(store, { ...get }, cb))));
  } finally {
    release();
  }
  return {
    Responses: results.map((result) => (result.Item ? { Item: result.Item } : {})),
    ...consumedCapacity(
      data.ReturnConsumedCapacity,
      results.map((result, i) => ({ tableName: targets[i]!.table.TableName, before: result.Item, after: undefined })),
      true,
    ),
  };
}
