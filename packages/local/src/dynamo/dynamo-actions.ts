import type { AuthorizationRequest } from "../iam/policy";

/**
 * The IAM actions and resources a DynamoDB API call needs, as DynamoDB authorizes it: the action named
 * after the operation, on the table's ARN (or the index's, for a Query or Scan of one). Batch operations
 * need their own action on every table they touch; a transaction has no action of its own but needs,
 * for each item, the action of the single-item operation it performs (Put → PutItem, Update →
 * UpdateItem, Delete → DeleteItem, ConditionCheck → ConditionCheckItem, Get → GetItem). Operations
 * without a resource (ListTables) are asked on `*`.
 */
type Body = Record<string, unknown>;

const TRANSACT_WRITE: Record<string, string> = { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", ConditionCheck: "ConditionCheckItem" };

export function dynamoRequests(operation: string, body: Body, tableArn: (table: string) => string): AuthorizationRequest[] {
  const on = (action: string, table: unknown, index?: unknown): AuthorizationRequest => {
    const base = typeof table === "string" ? tableArn(table) : "*";
    return { action: `dynamodb:${action}`, resource: typeof index === "string" && base !== "*" ? `${base}/index/${index}` : base };
  };
  switch (operation) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys(object(body.RequestItems)).map((table) => on(operation, table));
    case "TransactWriteItems":
      return list(body.TransactItems).flatMap((item) =>
        Object.entries(object(item))
          .filter(([kind]) => kind in TRANSACT_WRITE)
          .map(([kind, request]) => on(TRANSACT_WRITE[kind]!, object(request).TableName)),
      );
    case "TransactGetItems":
      return list(body.TransactItems).map((item) => on("GetItem", object(object(item).Get).TableName));
    case "Query":
    case "Scan":
      return [on(operation, body.TableName, body.IndexName)];
    default: {
      // Tagging calls name the table by ARN.
      if (typeof body.ResourceArn === "string") return [{ action: `dynamodb:${operation}`, resource: body.ResourceArn }];
      return [on(operation, body.TableName)];
    }
  }
}

function object(value: unknown): Body {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Body) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
