import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { UsageRecount } from "@media/core/reindex";
import { TABLE, keysFor } from "@media/core/table";
import { call, type Item } from "../dynamo-calls";
import type { RepositoryContext } from "./context";
import { Expr } from "./expressions";
import { ATTR, fileKey, markerItem } from "./item-codec";
import type { MediaMaintenance } from "./maintenance";

/**
 * `npm run migrate`: converts what the version before transactions wrote (the usage ledger, commit
 * c69626e and earlier) into what the transitions expect.
 *
 * - A pending record kept its expiry in the table's TTL attribute: DynamoDB could delete it, reservation
 *   and all. It moves to `pendingUntil` and gets its marker, in one transaction per record, conditioned on
 *   still being the legacy pending record (a concurrent transition or a second run changes nothing).
 * - A usage item held a ledger of entries beside its counters: it is rewritten from the records by the
 *   recount (reconcileUsage), which drops the ledger. Whatever the ledger held in flight (a counted
 *   file whose record was still pending, a replacement half done) is counted as its record now says;
 *   a redelivery of that file's event then moves it on as any other. Reservations the ledger had pruned
 *   (their records stayed, expired) hold their size again until released, which the next presign that
 *   needs the room, or the sweep, does.
 * Idempotent: a second run finds no legacy item. Safe beside live traffic once the new version serves.
 */
export interface MigrationReport {
  users: number;
  pendingRecords: number;
  usage: Array<{ userId: string; recount: UsageRecount }>;
}

export async function migrateLegacy(ctx: RepositoryContext, maintenance: MediaMaintenance, options: { dryRun: boolean; onUser?: (userId: string) => void }): Promise<MigrationReport> {
  const legacy = await legacyItems(ctx);
  const users = [...new Set(legacy.map((item) => String(item[TABLE.partitionKey])))].sort();
  const report: MigrationReport = { users: users.length, pendingRecords: 0, usage: [] };
  for (const partition of users) {
    const userId = partition.slice(keysFor.userPartition("").length);
    for (const item of legacy.filter((i) => i[TABLE.partitionKey] === partition && String(i[TABLE.sortKey]).startsWith(keysFor.file("")))) {
      report.pendingRecords += 1;
      if (!options.dryRun) await convertPendingRecord(ctx, userId, item);
    }
    // A dry run recounts from the records as they are: legacy pending records count as reservations either way.
    report.usage.push({ userId, recount: await maintenance.reconcileUsage(userId, options) });
    options.onUser?.(userId);
  }
  return report;
}

/** Usage items with a ledger, and pending records whose expiry is in the TTL attribute: one filtered Scan. */
async function legacyItems(ctx: RepositoryContext): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const out = await call(
      ctx.client.send(
        new ScanCommand({
          TableName: ctx.tableName,
          FilterExpression: "(#sk = :usage AND attribute_exists(#ledger)) OR (begins_with(#sk, :file) AND #status = :pending AND attribute_exists(#ttl))",
          ExpressionAttributeNames: { "#sk": TABLE.sortKey, "#ledger": "ledger", "#status": ATTR.status, "#ttl": TABLE.timeToLiveAttribute },
          ExpressionAttributeValues: { ":usage": keysFor.usage, ":file": keysFor.file(""), ":pending": "pending" },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

async function convertPendingRecord(ctx: RepositoryContext, userId: string, item: Item): Promise<void> {
  const until = Number(item[TABLE.timeToLiveAttribute]);
  const fileId = String(item.fileId);
  const x = new Expr();
  const ttl = x.name(TABLE.timeToLiveAttribute);
  await ctx.tx.write([
    {
      Update: {
        Key: fileKey(userId, fileId),
        UpdateExpression: `SET ${x.name(ATTR.pendingUntil)} = ${x.value(until)} REMOVE ${ttl}`,
        ConditionExpression: `${x.name(ATTR.status)} = ${x.value("pending")} AND ${ttl} = ${x.value(until)}`,
        ...x.params(),
      },
    },
    { Put: { Item: markerItem({ userId, fileId, until, size: Number(item.size) }) } },
  ]);
  // Not applied: the record moved on meanwhile (made ready, removed); nothing of it is legacy any more.
}
