import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { UsageShare } from "@media/core/file-lifecycle";
import { call } from "../dynamo-calls";
import { Expr, updateExpression } from "./expressions";
import { ATTR, usageFromItem, usageKey, type UsageCounters } from "./item-codec";
import type { WriteAction } from "./transactions";

/** The condition a reservation adds to its usage update: the upload fits the quota and the pending cap. */
export interface ReservationGuard {
  quotaBytes: number;
  size: number;
  maxPendingUploads: number;
}

/**
 * The usage item's part of a transition's transaction: its counters moved by `delta` (usageDelta of the
 * lifecycle) with ADD, which also creates the item at a user's first presign. `committed` moves by the
 * stored and reserved bytes together. A reservation is conditioned on fitting: DynamoDB evaluates
 * `committed ≤ quota - size` against the item as it is, so concurrent presigns racing for the last bytes
 * cannot together exceed the quota (no arithmetic in conditions: hence the one `committed` attribute).
 */
export function usageUpdate(userId: string, delta: UsageShare, guard?: ReservationGuard): WriteAction {
  const x = new Expr();
  const add = [`${x.name(ATTR.rev)} ${x.value(1)}`];
  const moves: [string, number][] = [
    [ATTR.files, delta.files],
    [ATTR.bytes, delta.bytes],
    [ATTR.committed, delta.bytes + delta.reservedBytes],
    [ATTR.pendingUploads, delta.pendingUploads],
  ];
  for (const [attribute, by] of moves) if (by !== 0) add.push(`${x.name(attribute)} ${x.value(by)}`);
  const update = { Key: usageKey(userId), UpdateExpression: updateExpression([], [], add) };
  if (!guard) return { Update: { ...update, ...x.params() } };
  const committed = x.name(ATTR.committed);
  const pending = x.name(ATTR.pendingUploads);
  const condition =
    `(attribute_not_exists(${committed}) OR ${committed} <= ${x.value(guard.quotaBytes - guard.size)}) AND ` +
    `(attribute_not_exists(${pending}) OR ${pending} < ${x.value(guard.maxPendingUploads)})`;
  return { Update: { ...update, ConditionExpression: condition, ...x.params() } };
}

export async function readUsage(client: DynamoDBDocumentClient, tableName: string, userId: string): Promise<UsageCounters> {
  const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: usageKey(userId), ConsistentRead: true })));
  return usageFromItem(Item);
}
