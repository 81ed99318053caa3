import { TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall, type NativeAttributeValue } from "@aws-sdk/util-dynamodb";
import { TooManyRequestsError } from "@media/core/errors";
import type { Item } from "../dynamo-calls";
import type { ExpressionParams } from "./expressions";

/**
 * All-or-nothing writes (TransactWriteItems) and the retry policy of every write of the repository.
 *
 * DynamoDB cancels a transaction for a failed condition (the caller's business: it decides from the
 * reasons, which carry the item as it was, so no read is needed to find out why), and also when
 * another transaction holds one of its items (`TransactionConflict`) or it is throttled: those are not
 * the caller's and are retried here, with full jitter so that racers spread out, before a 429 is
 * answered. A transaction costs 2 WCU per KB of each item it writes (twice a plain write).
 */
type Condition = { ConditionExpression?: string } & ExpressionParams;
export type WriteAction =
  | { Put: { Item: Item } & Condition }
  | { Update: { Key: Item; UpdateExpression: string } & Condition }
  | { Delete: { Key: Item } & Condition }
  | { ConditionCheck: { Key: Item; ConditionExpression: string } & ExpressionParams };

/** Why each action (in order) did not apply: `ConditionalCheckFailed` with the item as it was, or `None`. */
export interface Reason {
  code: string;
  item?: Item;
}

export type TransactionResult = { applied: true } | { applied: false; reasons: Reason[] };

export interface Transactions {
  write(actions: WriteAction[]): Promise<TransactionResult>;
  /** Runs one plain request under the same retry of transient failures (a write may meet a transaction). */
  retrying<T>(operation: () => Promise<T>): Promise<T>;
}

export interface TransactionsOptions {
  /** The plain client the writes go through (values marshalled here), or the document client when there is none. */
  sender: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** Attempts before a transient failure becomes a 429. */
  maxAttempts: number;
  /** Base of the exponential backoff, in ms (tests make it small). */
  backoffMs?: number;
}

const TRANSIENT_ERRORS = new Set([
  "TransactionConflictException",
  "TransactionInProgressException",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);
const TRANSIENT_REASONS = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"]);
const MARSHALL = { removeUndefinedValues: true, convertTopLevelContainer: false } as const;

export function createTransactions(options: TransactionsOptions): Transactions {
  const { sender, tableName, maxAttempts } = options;
  const backoffMs = options.backoffMs ?? 10;

  const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, backoffMs * 2 ** attempt)));

  async function retrying<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (attempt + 1 >= maxAttempts) throw new TooManyRequestsError("The database is busy; try again shortly.", { cause: error });
        await pause(attempt);
      }
    }
  }

  function toWire(action: WriteAction): TransactWriteItem {
    const [kind, body] = Object.entries(action)[0] as [keyof TransactWriteItem, Record<string, unknown>];
    // ALL_OLD: a cancelled transaction then says what stood in the way, at no extra cost.
    const wire: Record<string, unknown> = { ...body, TableName: tableName, ReturnValuesOnConditionCheckFailure: "ALL_OLD" };
    for (const field of ["Item", "Key", "ExpressionAttributeValues"] as const) {
      if (body[field] !== undefined) wire[field] = marshall(body[field] as Record<string, NativeAttributeValue>, MARSHALL);
    }
    return { [kind]: wire } as TransactWriteItem;
  }

  return {
    retrying,
    async write(actions) {
      const command = new TransactWriteItemsCommand({ TransactItems: actions.map(toWire) });
      for (let attempt = 0; ; attempt++) {
        try {
          await (sender as DynamoDBClient).send(command);
          return { applied: true };
        } catch (error) {
          const reasons = cancellationReasons(error);
          if (reasons?.some((r) => r.code === "ConditionalCheckFailed")) return { applied: false, reasons };
          const transient = reasons ? reasons.some((r) => TRANSIENT_REASONS.has(r.code)) : isTransient(error);
          if (!transient) throw error;
          if (attempt + 1 >= maxAttempts) throw new TooManyRequestsError("Too many concurrent changes; try again shortly.", { cause: error });
          await pause(attempt);
        }
      }
    },
  };
}

function isTransient(error: unknown): boolean {
  return error instanceof Error && TRANSIENT_ERRORS.has(error.name);
}

function cancellationReasons(error: unknown): Reason[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const raw = (error as { CancellationReasons?: Array<{ Code?: string; Item?: Record<string, unknown> }> }).CancellationReasons ?? [];
  return raw.map((r) => {
    const reason: Reason = { code: r.Code ?? "None" };
    if (r.Item) reason.item = unmarshall(r.Item as Parameters<typeof unmarshall>[0]);
    return reason;
  });
}

/** Whether action `index` of a cancelled transaction failed its condition. */
export function failed(reasons: Reason[], index: number): boolean {
  return reasons[index]?.code === "ConditionalCheckFailed";
}
