import { channel } from "node:diagnostics_channel";
import {
  dynaliteDb,
  isDynaliteError,
  promised,
  singleItemActions,
  type DynaliteStore,
  type Item,
  type LevelBatchOperation,
  type TableDescription,
} from "./dynalite-internals";
import { lockItems, type ItemRef } from "./item-locks";
import { stageAction } from "./staged-store";
import { WRITE_KINDS, type WriteKind } from "./transact-request";
import { resolveTargets, type TargetSpec } from "./transact-targets";
import { cancellation, consumedCapacity, type CancellationReason } from "./transact-responses";

/** The points at which a transaction's application can be observed (and, in tests, interrupted). */
export type ApplyStep = "locked" | "evaluated" | "written";
export type OnApplyStep = (step: ApplyStep) => void | Promise<void>;

/**
 * Each step of every transaction (`resolved`: validated, its items known, about to take their locks; then
 * the ApplyStep ones), published on this diagnostics channel for a tracer to time them: the bench's
 * `--trace` (scripts/bench/trace-preload.cjs) subscribes to it. Nothing is published while nobody listens.
 */
export const TRANSACT_STEPS_CHANNEL = "media.local-dynamo.transact-step";
const stepChannel = channel(TRANSACT_STEPS_CHANNEL);

interface WriteAction {
  kind: WriteKind;
  params: Record<string, unknown>;
  table: TableDescription;
  ref: ItemRef;
}

export interface TransactWriteContext {
  store: DynaliteStore;
  onApplyStep?: OnApplyStep;
}

/**
 * TransactWriteItems on a dynalite store. Every action is evaluated, with dynalite's own single-item code,
 * against the items as they were before the transaction while all of their locks are held; if every
 * condition holds, all writes go to LevelDB as one batch, which LevelDB applies atomically and logs as
 * one record of its write-ahead log before applying it (synced to disk here). That log is the
 * transaction's redo journal: LevelDB replays it when the directory is opened again, and a record cut
 * short by a crash is dropped whole, so after any crash either every write of a transaction is there or
 * none is. `extraWrites`, asked for once every condition held, joins other records (the client token) to
 * the same batch.
 */
export async function transactWrite(
  context: TransactWriteContext,
  data: Record<string, unknown>,
  extraWrites: () => LevelBatchOperation[] = () => [],
): Promise<Record<string, unknown>> {
  const { store, onApplyStep } = context;
  const actions = await resolveActions(store, data.TransactItems as Record<string, Record<string, unknown>>[]);
  const step = (name: ApplyStep | "resolved") => {
    if (stepChannel.hasSubscribers) stepChannel.publish({ step: name });
    return name === "resolved" ? undefined : onApplyStep?.(name);
  };
  step("resolved");
  const release = await lockItems(
    store,
    actions.map((action) => action.ref),
  );
  try {
    await step("locked");
    const outcomes = await Promise.all(actions.map((action) => evaluate(store, action)));
    const reasons = outcomes.map((outcome) => outcome.reason);
    if (reasons.some((reason) => reason.Code !== "None")) throw cancellation(reasons);
    await step("evaluated");
    await writeBatch(store, [...outcomes.flatMap((outcome) => outcome.writes), ...extraWrites()]);
    await step("written");
    return consumedCapacity(data.ReturnConsumedCapacity, actions.map((action, i) => ({ tableName: action.table.TableName, ...outcomes[i]!.items })));
  } finally {
    release();
  }
}

function resolveActions(store: DynaliteStore, entries: Record<string, Record<string, unknown>>[]): Promise<WriteAction[]> {
  const actions = entries.map((entry) => {
    const kind = WRITE_KINDS.find((candidate) => entry[candidate] !== undefined)!;
    return { kind, params: entry[kind]! };
  });
  const specs = actions.map(({ kind, params }): TargetSpec => {
    const item = (kind === "Put" ? params.Item : params.Key) as Item;
    return {
      tableName: params.TableName as string,
      item,
      validate: (table) =>
        kind === "Put"
          ? dynaliteDb.validateItem(item, table)
          : dynaliteDb.validateKey(item, table) || (kind === "Update" ? dynaliteDb.validateUpdates(undefined, params._updates, table) : undefined),
    };
  });
  return resolveTargets(store, specs).then((targets) => targets.map((target, i) => ({ ...actions[i]!, ...target })));
}

interface Outcome {
  reason: CancellationReason;
  writes: LevelBatchOperation[];
  items: { before: Item | undefined; after: Item | undefined };
}

async function evaluate(store: DynaliteStore, action: WriteAction): Promise<Outcome> {
  const staged = stageAction(store, action.table);
  const { kind, params } = action;
  try {
    if (kind === "ConditionCheck") {
      const existing = await promised<Item | undefined>((cb) => staged.store.getItemDb(action.table.TableName).get(action.ref.key, cb));
      const failed = dynaliteDb.checkConditional(params, existing ?? undefined);
      if (failed) throw failed;
    } else {
      const run = kind === "Put" ? singleItemActions.putItem : kind === "Update" ? singleItemActions.updateItem : singleItemActions.deleteItem;
      await promised((cb) => run(staged.store, params, cb));
    }
    return { reason: { Code: "None" }, writes: staged.writes, items: { before: staged.existing, after: staged.written } };
  } catch (error) {
    if (!isDynaliteError(error)) throw error;
    const items = { before: staged.existing, after: undefined };
    if (error.body.__type.endsWith("#ConditionalCheckFailedException")) {
      const withItem = params.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && staged.existing;
      return {
        reason: { Code: "ConditionalCheckFailed", Message: "The conditional request failed", ...(withItem ? { Item: staged.existing } : {}) },
        writes: [],
        items,
      };
    }
    // What a single-item write would refuse after reading the item (an operand of the wrong type, an item
    // grown past 400 KB) cancels the transaction with a ValidationError reason, as DynamoDB does.
    if (error.body.__type.endsWith("#ValidationException")) {
      return { reason: { Code: "ValidationError", Message: error.body.message ?? error.message }, writes: [], items };
    }
    throw error;
  }
}

async function writeBatch(store: DynaliteStore, operations: LevelBatchOperation[]): Promise<void> {
  // dynalite's callback wrapper of `batch` takes no options, so the level instance's own method is called:
  // `sync` makes LevelDB fsync its log before answering, so an answered transaction survives a power cut too.
  const levelBatch = Object.getPrototypeOf(store.db).batch as (operations: LevelBatchOperation[], options: { sync: boolean }) => Promise<void>;
  const writing = levelBatch.call(store.db, operations, { sync: true });
  await (store.lifecycleManager ? store.lifecycleManager.trackOperation(writing) : writing);
}
