import { BatchWriteCommand, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { TooManyRequestsError } from "@media/core/errors";
import { usageShare } from "@media/core/file-lifecycle";
import type { UserRecords } from "@media/core/purge";
import type { UsageReconciler, UsageRecount } from "@media/core/reindex";
import { TABLE, keysFor } from "@media/core/table";
import { call, queryPrefix, type Item } from "../dynamo-calls";
import type { RepositoryContext } from "./context";
import { Expr } from "./expressions";
import { ATTR, FILE_SK_LOW, markerFromItem, recordFromItem, usageKey, type PendingMarker } from "./item-codec";
import { releaseUploads } from "./pending-reservations";

/**
 * Whole-user and whole-table maintenance on the repository's items: the usage recount of
 * `npm run reindex` (and of `npm run migrate`), purge-user's record removal, and the sweep that
 * releases every expired upload.
 */
export interface MediaMaintenance extends UsageReconciler, UserRecords {
  /** Releases the expired uploads of every user (the periodic sweep); returns how many. */
  sweepExpired(now: number): Promise<{ released: number; users: number }>;
}

export function mediaMaintenance(ctx: RepositoryContext): MediaMaintenance {
  const { client, tableName } = ctx;

  async function readUsageItem(userId: string): Promise<Item | undefined> {
    const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: usageKey(userId), ConsistentRead: true })));
    return Item;
  }
  const fileItems = (userId: string) => queryPrefix(client, tableName, keysFor.userPartition(userId), FILE_SK_LOW);

  return {
    /**
     * Recomputes the counters from the records, each holding what its state holds (usageShare), and
     * writes them only if the usage item is still as read: every transaction that moves a counter also
     * moves `rev`, so a live change meanwhile makes the recount read again rather than write a stale
     * total. The write replaces the whole item, which also drops what an older version kept in it.
     */
    async reconcileUsage(userId, { dryRun }): Promise<UsageRecount> {
      for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
        const raw = await readUsageItem(userId);
        const counted = { files: 0, bytes: 0, committed: 0, pendingUploads: 0 };
        for (const item of await fileItems(userId)) {
          const record = recordFromItem(item);
          const share = usageShare(record.status, record.size);
          counted.files += share.files;
          counted.bytes += share.bytes;
          counted.committed += share.bytes + share.reservedBytes;
          counted.pendingUploads += share.pendingUploads;
        }
        const keys = Object.keys(raw ?? {}).filter((k) => k !== TABLE.partitionKey && k !== TABLE.sortKey);
        const onlyCounters = keys.every((k) => k === ATTR.rev || k in counted);
        const right = raw
          ? onlyCounters && (Object.keys(counted) as (keyof typeof counted)[]).every((k) => Number(raw[k] ?? 0) === counted[k])
          : counted.files === 0 && counted.committed === 0;
        const after = { files: counted.files, bytes: counted.bytes };
        const recount: UsageRecount = { after, changed: !right, ...(raw ? { before: { files: Number(raw[ATTR.files] ?? 0), bytes: Number(raw[ATTR.bytes] ?? 0) } } : {}) };
        if (right || dryRun) return recount;

        const x = new Expr();
        const condition = raw
          ? [ATTR.rev, ...Object.keys(counted)].map((k) => x.equals(k, raw[k] as number | undefined)).join(" AND ")
          : `attribute_not_exists(${x.name(TABLE.partitionKey)})`;
        try {
          await ctx.tx.retrying(() =>
            client.send(
              new PutCommand({
                TableName: tableName,
                Item: { ...usageKey(userId), ...counted, [ATTR.rev]: Number(raw?.[ATTR.rev] ?? 0) + 1 },
                ConditionExpression: condition,
                ...x.params(),
              }),
            ),
          );
          return recount;
        } catch (error) {
          if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
        }
      }
      throw new TooManyRequestsError(`The usage of ${userId} kept changing while it was recounted; try again.`);
    },

    async countUserRecords(userId) {
      const [items, usage] = await Promise.all([fileItems(userId), readUsageItem(userId)]);
      return { records: items.length, usage: usage !== undefined };
    },

    async removeUserRecords(userId) {
      const items = await fileItems(userId);
      const markers = await queryPrefix(client, tableName, keysFor.userPartition(userId), keysFor.pendingUploads);
      const usage = await readUsageItem(userId);
      const keys = [...items, ...markers].map((item) => ({ [TABLE.partitionKey]: item[TABLE.partitionKey], [TABLE.sortKey]: item[TABLE.sortKey] }));
      if (usage) keys.push(usageKey(userId));
      for (let i = 0; i < keys.length; i += 25) {
        let requests: Array<{ DeleteRequest: { Key: Item } }> = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        // BatchWriteItem may hand back what it did not get to (throttling): send those again, backing off.
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt >= ctx.maxAttempts) throw new TooManyRequestsError("The database is busy; the user's records were not all deleted. Run again.");
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
          const out = await call(client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } })));
          requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
      }
      return { records: items.length, usage: usage !== undefined };
    },

    /**
     * A Scan of the markers that expired before `now` (a filtered Scan reads the whole table: this runs
     * on a schedule, not per request), released user by user in the same transactions as a presign's.
     */
    async sweepExpired(now) {
      const byUser = new Map<string, PendingMarker[]>();
      let start: Item | undefined;
      do {
        const out = await call(
          client.send(
            new ScanCommand({
              TableName: tableName,
              FilterExpression: "begins_with(#sk, :markers) AND #until < :now",
              ExpressionAttributeNames: { "#sk": TABLE.sortKey, "#until": ATTR.pendingUntil },
              ExpressionAttributeValues: { ":markers": keysFor.pendingUploads, ":now": now / 1000 },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        for (const item of out.Items ?? []) {
          const marker = markerFromItem(item);
          byUser.set(marker.userId, [...(byUser.get(marker.userId) ?? []), marker]);
        }
        start = out.LastEvaluatedKey;
      } while (start);
      let released = 0;
      for (const [userId, markers] of byUser) released += await releaseUploads(ctx, userId, markers);
      return { released, users: byUser.size };
    },
  };
}
