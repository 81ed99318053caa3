import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { usageDelta, type UsageShare } from "@media/core/file-lifecycle";
import { keysFor, TABLE } from "@media/core/table";
import { call, type Item } from "../dynamo-calls";
import type { RepositoryContext } from "./context";
import { Expr } from "./expressions";
import { ATTR, fileKey, markerFromItem, markerKey, type PendingMarker } from "./item-codec";
import { failed, type WriteAction } from "./transactions";
import { usageUpdate } from "./usage-counters";

/**
 * Abandoned uploads give their reservation back (the `released` transition): their records are deleted
 * with their markers and the usage moved, in transactions of up to RELEASE_BATCH uploads. Nothing needs
 * a scheduler for this to be correct: a presign that would not fit releases its user's expired uploads
 * first (createPending), and the sweep only keeps `/me` exact in between.
 */
const RELEASE_BATCH = 49; // 2 actions each plus the usage update: 99 of a transaction's 100

/** The condition that a record is still the pending upload a marker describes. */
export function isPendingUpload(x: Expr, marker: PendingMarker): string {
  return `${x.name(ATTR.status)} = ${x.value("pending")} AND ${x.name(ATTR.pendingUntil)} = ${x.value(marker.until)} AND ${x.name(ATTR.size)} = ${x.value(marker.size)}`;
}

/** Releases these pending uploads; those that changed meanwhile (made ready, rejected, cancelled) are left to what changed them. */
export async function releaseUploads(ctx: RepositoryContext, userId: string, markers: PendingMarker[]): Promise<number> {
  let released = 0;
  for (let i = 0; i < markers.length; i += RELEASE_BATCH) {
    let batch = markers.slice(i, i + RELEASE_BATCH);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt >= ctx.maxAttempts) return released;
      const actions: WriteAction[] = batch.flatMap((marker) => {
        const x = new Expr();
        return [{ Delete: { Key: fileKey(userId, marker.fileId), ConditionExpression: isPendingUpload(x, marker), ...x.params() } }, { Delete: { Key: markerKey(userId, marker.until, marker.fileId) } }];
      });
      actions.push(usageUpdate(userId, batch.map((m) => usageDelta({ state: "pending", size: m.size }, { state: "absent", size: 0 })).reduce(sum)));
      const result = await ctx.tx.write(actions);
      if (result.applied) {
        released += batch.length;
        break;
      }
      // Each failed condition is an upload whose record moved on (its transition took the marker too).
      batch = batch.filter((_, j) => !failed(result.reasons, 2 * j));
    }
  }
  return released;
}

/** The user's pending uploads whose window has passed at `now`: one key-range Query, never their files. */
export async function expiredUploads(ctx: RepositoryContext, userId: string, now: number): Promise<PendingMarker[]> {
  const markers: PendingMarker[] = [];
  let start: Item | undefined;
  do {
    const out = await call(
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          // Markers sort by expiry: an upload expired at `now` when until < now/1000, i.e. below the key of ceil(now/1000).
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :low AND :high",
          ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#sk": TABLE.sortKey },
          ExpressionAttributeValues: { ":pk": keysFor.userPartition(userId), ":low": keysFor.pendingUploads, ":high": keysFor.pendingUploadsBefore(Math.ceil(now / 1000)) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    markers.push(...(out.Items ?? []).map(markerFromItem));
    start = out.LastEvaluatedKey;
  } while (start);
  return markers;
}

/** Releases every expired upload of one user; returns how many. */
export async function releaseExpired(ctx: RepositoryContext, userId: string, now: number): Promise<number> {
  const expired = await expiredUploads(ctx, userId, now);
  return expired.length === 0 ? 0 : releaseUploads(ctx, userId, expired);
}

function sum(a: UsageShare, b: UsageShare): UsageShare {
  return { files: a.files + b.files, bytes: a.bytes + b.bytes, reservedBytes: a.reservedBytes + b.reservedBytes, pendingUploads: a.pendingUploads + b.pendingUploads };
}
