import { dynaliteDb, type DynaliteError, type Item } from "./dynalite-internals";

/** One entry of a TransactionCanceledException's `CancellationReasons`, in the order of the actions. */
export interface CancellationReason {
  Code: "None" | "ConditionalCheckFailed" | "ValidationError";
  Message?: string;
  Item?: Item;
}

/** The error DynamoDB answers a cancelled transaction with; its reasons say which action failed and why. */
export function cancellation(reasons: CancellationReason[]): DynaliteError {
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(", ")}]`;
  return Object.assign(new Error(message), {
    statusCode: 400,
    body: { __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", Message: message, CancellationReasons: reasons },
  });
}

/**
 * `ConsumedCapacity` of a transaction, per table, when asked for: DynamoDB charges a transactional action
 * twice the units of the plain one (it prepares and commits each item), counted for a write on the
 * larger of the item's images before and after, for a read on the item read.
 */
export function consumedCapacity(
  returnConsumedCapacity: unknown,
  actions: { tableName: string; before: Item | undefined; after: Item | undefined }[],
  isRead = false,
): Record<string, unknown> {
  if (returnConsumedCapacity !== "TOTAL" && returnConsumedCapacity !== "INDEXES") return {};
  const perTable = new Map<string, number>();
  for (const { tableName, before, after } of actions) {
    const units = 2 * Math.max(dynaliteDb.capacityUnits(before, isRead, true), after ? dynaliteDb.capacityUnits(after, isRead, true) : 0);
    perTable.set(tableName, (perTable.get(tableName) ?? 0) + units);
  }
  const unitsField = isRead ? "ReadCapacityUnits" : "WriteCapacityUnits";
  return {
    ConsumedCapacity: [...perTable].map(([TableName, units]) => ({
      TableName,
      CapacityUnits: units,
      [unitsField]: units,
      ...(returnConsumedCapacity === "INDEXES" ? { Table: { CapacityUnits: units, [unitsField]: units } } : {}),
    })),
  };
}
