import {
  dynaliteDb,
  dynaliteValidations,
  singleItemValidations,
  type ActionValidation,
  type DynaliteStore,
  type Item,
  type TypeSpec,
} from "./dynalite-internals";

/**
 * The shapes of TransactWriteItems and TransactGetItems requests, in dynalite's validation format and built
 * from its single-item specs, so that each action accepts exactly the fields, types and expressions its
 * single-item operation accepts (and is parsed by the same code: `_condition`, `_updates`, `_projection`).
 */

/** AWS's limit on actions per transaction (raised from 25 to 100 in September 2022). */
export const MAX_TRANSACTION_ACTIONS = 100;

export type WriteKind = "Put" | "Update" | "Delete" | "ConditionCheck";
export const WRITE_KINDS: readonly WriteKind[] = ["Put", "Update", "Delete", "ConditionCheck"];

const pick = (types: Record<string, TypeSpec>, names: string[]) =>
  Object.fromEntries(names.map((name) => [name, types[name]] as const).filter(([, spec]) => spec !== undefined));
const notNull = (spec: TypeSpec | undefined): TypeSpec => ({ ...spec, notNull: true });

const returnValuesOnConditionCheckFailure: TypeSpec = { type: "String", enum: ["ALL_OLD", "NONE"] };
const expressionFields = ["ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"];
const put = singleItemValidations.putItem.types;
const update = singleItemValidations.updateItem.types;
const remove = singleItemValidations.deleteItem.types;
const get = singleItemValidations.getItem.types;

// In a transaction each action takes only the expression forms (no Expected, AttributeUpdates, ReturnValues).
const writeActionTypes: Record<WriteKind, Record<string, TypeSpec>> = {
  Put: { ...pick(put, ["TableName", "Item", ...expressionFields]), ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure },
  Update: {
    ...pick(update, ["TableName", "Key", ...expressionFields]),
    UpdateExpression: notNull(update.UpdateExpression),
    ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure,
  },
  Delete: { ...pick(remove, ["TableName", "Key", ...expressionFields]), ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure },
  ConditionCheck: {
    ...pick(remove, ["TableName", "Key", ...expressionFields]),
    ConditionExpression: notNull(remove.ConditionExpression),
    ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure,
  },
};

const transactItems = (children: Record<string, TypeSpec>): TypeSpec => ({
  type: "List",
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: MAX_TRANSACTION_ACTIONS,
  children: { type: "ValueStruct<TransactItem>", children },
});
const returnConsumedCapacity = put.ReturnConsumedCapacity as TypeSpec;

export const transactWriteValidation: ActionValidation = {
  types: {
    TransactItems: transactItems(
      Object.fromEntries(WRITE_KINDS.map((kind) => [kind, { type: `FieldStruct<${kind}>`, children: writeActionTypes[kind] }])),
    ),
    ReturnConsumedCapacity: returnConsumedCapacity,
    ReturnItemCollectionMetrics: put.ReturnItemCollectionMetrics as TypeSpec,
    ClientRequestToken: { type: "String", lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
  },
  custom: (data, store) => {
    for (const entry of data.TransactItems as Record<string, Record<string, unknown>>[]) {
      const kinds = WRITE_KINDS.filter((kind) => entry[kind] !== undefined);
      if (kinds.length !== 1) return "TransactItems can only contain one of Check, Put, Update or Delete";
      const message = validateWriteAction(kinds[0]!, entry[kinds[0]!]!, store);
      if (message) return message;
    }
    return undefined;
  },
};

export const transactGetValidation: ActionValidation = {
  types: {
    TransactItems: transactItems({
      Get: { type: "FieldStruct<Get>", notNull: true, children: pick(get, ["TableName", "Key", "ProjectionExpression", "ExpressionAttributeNames"]) },
    }),
    ReturnConsumedCapacity: returnConsumedCapacity,
  },
  custom: (data, store) => {
    for (const entry of data.TransactItems as { Get: Record<string, unknown> }[]) {
      const message = singleItemValidations.getItem.custom?.(entry.Get, store);
      if (message) return message;
    }
    return undefined;
  },
};

/** One action's own checks: the single-item operation's, which also parse its expressions onto `action`. */
function validateWriteAction(kind: WriteKind, action: Record<string, unknown>, store: DynaliteStore): string | undefined {
  switch (kind) {
    case "Put":
      return singleItemValidations.putItem.custom?.(action, store);
    case "Update":
      return singleItemValidations.updateItem.custom?.(action, store);
    case "Delete":
      return singleItemValidations.deleteItem.custom?.(action, store);
    case "ConditionCheck": {
      // No single-item operation is a bare condition; DeleteItem's checks are the same fields' checks.
      const message = dynaliteValidations.validateExpressionParams(action, ["ConditionExpression"], []);
      if (message) return message;
      for (const value of Object.values(action.Key as Item)) {
        const invalid = dynaliteValidations.validateAttributeValue(value);
        if (invalid) return invalid;
      }
      return dynaliteValidations.validateExpressions(action);
    }
  }
}

/** Runs dynalite's type and constraint checks on a request body; throws dynalite's own error bodies. */
export function validateRequest(body: unknown, validation: ActionValidation, store: DynaliteStore): Record<string, unknown> {
  const data = dynaliteValidations.checkTypes(body, validation.types);
  dynaliteValidations.checkValidations(data, validation.types, validation.custom, store);
  return data;
}

export const duplicateItemError = () => dynaliteDb.validationError("Transaction request cannot include multiple operations on one item");
