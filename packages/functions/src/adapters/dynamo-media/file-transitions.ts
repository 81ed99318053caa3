import { UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { ConflictError, TooManyRequestsError } from "@media/core/errors";
import { usageDelta, type FileState } from "@media/core/file-lifecycle";
import type { MediaRepository, ReadyResult } from "@media/core/ports";
import { QuotaExceededError } from "@media/core/quota";
import { TABLE } from "@media/core/table";
import { readRecord, type RepositoryContext } from "./context";
import { definedOnly, Expr, updateExpression } from "./expressions";
import { ATTR, fileKey, isExpired, markerItem, markerKey, markerOf, recordFromItem, toItem, usageFromItem } from "./item-codec";
import { isPendingUpload, releaseExpired, releaseUploads } from "./pending-reservations";
import { failed, type WriteAction } from "./transactions";
import { readUsage, usageUpdate } from "./usage-counters";

/**
 * The lifecycle's transitions (core/file-lifecycle.ts), each one transaction over the file's record,
 * its pending-upload marker and the usage counters, conditioned on the record being in the state the
 * transition starts from, so a repeated or concurrent call finds the condition false and changes
 * nothing. What each costs (calls; WCU for items under 1 KB, a transaction writing each item at 2 WCU):
 *
 * | transition            | calls                                   | WCU |
 * |-----------------------|-----------------------------------------|-----|
 * | presign               | 1 TransactWriteItems (record, marker, usage) | 6 |
 * | ready / rejected      | 1 GetItem + 1 TransactWriteItems (record, marker, usage) + 1 UpdateItem (settle) | 6 + 1 |
 * | replaced              | 1 TransactWriteItems (record, usage; the record alone if the size is the same) + 1 UpdateItem (settle) | 4 + 1 |
 * | deleted / cancelled   | 1 GetItem + 1 TransactWriteItems (record, usage, and a pending file's marker) | 4 / 6 |
 *
 * None reads or writes anything that grows with the user's files or pending uploads. A record with a
 * large description or metadata costs 2 WCU per KB more. Only a presign that would not fit reads more:
 * one Query of its user's expired uploads, each released once.
 */
export function fileTransitions(ctx: RepositoryContext): Pick<MediaRepository, "createPending" | "markReady" | "markRejected" | "replace" | "settle" | "remove"> {
  const { tx } = ctx;

  /** Moves a pending record to ready or rejected, its marker deleted and its reservation turned into what `to` holds. */
  async function leavePending(userId: string, fileId: string, to: { state: FileState; size: number }, set: (x: Expr, declared: number) => string[]): Promise<ReadyResult> {
    for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
      const record = await readRecord(ctx, userId, fileId);
      // Not pending: made ready or rejected by another delivery, or gone (deleted, cancelled, released).
      if (record?.status !== "pending" || record.expiresAt === undefined) return "unchanged";
      const marker = markerOf(record);
      const x = new Expr();
      const fields = set(x, record.size);
      const actions: WriteAction[] = [
        {
          Update: {
            Key: fileKey(userId, fileId),
            UpdateExpression: updateExpression(fields, [x.name(ATTR.pendingUntil)]),
            ConditionExpression: isPendingUpload(x, marker),
            ...x.params(),
          },
        },
        { Delete: { Key: markerKey(userId, marker.until, fileId) } },
        usageUpdate(userId, usageDelta({ state: "pending", size: record.size }, to)),
      ];
      if ((await tx.write(actions)).applied) return "updated";
      // The record changed between the read and the write: read it again.
    }
    throw new TooManyRequestsError("The file could not be updated because of concurrent changes.");
  }

  const transitions: ReturnType<typeof fileTransitions> = {
    async createPending(record, quotaBytes, now) {
      if (record.status !== "pending" || record.expiresAt === undefined) throw new Error("createPending needs a pending record with expiresAt.");
      const { userId } = record;
      // The quota condition cannot see a user without a usage item (it lets a first presign create it).
      if (record.size > quotaBytes) throw new QuotaExceededError(quotaBytes - (await readUsage(ctx.client, ctx.tableName, userId)).committed, quotaBytes);
      let releasedExpired = false;
      for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
        const x = new Expr();
        const result = await tx.write([
          { Put: { Item: toItem(record), ConditionExpression: `attribute_not_exists(${x.name(TABLE.partitionKey)})`, ...x.params() } },
          { Put: { Item: markerItem(markerOf(record)) } },
          usageUpdate(userId, usageDelta({ state: "absent", size: 0 }, { state: "pending", size: record.size }), {
            quotaBytes,
            size: record.size,
            maxPendingUploads: ctx.maxPendingUploads,
          }),
        ]);
        if (result.applied) return;
        if (failed(result.reasons, 0)) {
          // An expired upload of this very fileId (reindex writes the record of an object whose event was
          // lost again, under its own fileId): released like any abandoned upload, then this one goes on.
          const existing = result.reasons[0]!.item ? recordFromItem(result.reasons[0]!.item) : undefined;
          if (existing && isExpired(existing, now)) {
            await releaseUploads(ctx, userId, [markerOf(existing)]);
            continue;
          }
          throw new ConflictError("This upload already exists.", { code: "UploadExists" });
        }
        // It does not fit. Abandoned uploads may hold the room: release them once and try again.
        if (!releasedExpired) {
          releasedExpired = true;
          if ((await releaseExpired(ctx, userId, now)) > 0) continue;
        }
        const usage = usageFromItem(result.reasons[2]?.item);
        if (usage.pendingUploads >= ctx.maxPendingUploads && usage.committed + record.size <= quotaBytes) {
          throw new TooManyRequestsError(`At most ${ctx.maxPendingUploads} uploads may be pending at once; finish or wait for some before starting more.`);
        }
        throw new QuotaExceededError(quotaBytes - usage.committed, quotaBytes);
      }
      throw new TooManyRequestsError("Too many concurrent uploads; try again shortly.");
    },

    markReady(userId, fileId, facts) {
      return leavePending(userId, fileId, { state: "ready", size: facts.size }, (x, declared) =>
        [
          `${x.name(ATTR.status)} = ${x.value("ready")}`,
          `${x.name(ATTR.size)} = ${x.value(facts.size)}`,
          `${x.name("metadata")} = ${x.value(definedOnly(facts.metadata))}`,
          `${x.name("declaredSize")} = ${x.value(facts.declaredSize ?? declared)}`,
          `${x.name(ATTR.announcement)} = ${x.value("media.ready")}`,
          facts.thumbnailKey !== undefined ? `${x.name("thumbnailKey")} = ${x.value(facts.thumbnailKey)}` : "",
          facts.sequencer !== undefined ? `${x.name(ATTR.sequencer)} = ${x.value(facts.sequencer)}` : "",
          facts.eTag !== undefined ? `${x.name(ATTR.eTag)} = ${x.value(facts.eTag)}` : "",
        ].filter(Boolean),
      );
    },

    markRejected(userId, fileId, reason) {
      return leavePending(userId, fileId, { state: "rejected", size: 0 }, (x) => [
        `${x.name(ATTR.status)} = ${x.value("rejected")}`,
        `${x.name("rejectionReason")} = ${x.value(reason)}`,
        `${x.name(ATTR.announcement)} = ${x.value("media.rejected")}`,
      ]);
    },

    async replace(userId, fileId, from, to, outcome) {
      const x = new Expr();
      const set = [
        `${x.name(ATTR.status)} = ${x.value(outcome.status)}`,
        `${x.name(ATTR.size)} = ${x.value(outcome.size)}`,
        `${x.name("metadata")} = ${x.value(outcome.status === "ready" ? definedOnly(outcome.metadata) : {})}`,
        `${x.name(ATTR.announcement)} = ${x.value(outcome.status === "ready" ? "media.ready" : "media.rejected")}`,
      ];
      const remove: string[] = [];
      for (const attribute of [ATTR.eTag, ATTR.sequencer] as const) {
        const value = to[attribute];
        if (value === undefined) remove.push(x.name(attribute));
        else set.push(`${x.name(attribute)} = ${x.value(value)}`);
      }
      if (outcome.status === "ready" && outcome.thumbnailKey !== undefined) set.push(`${x.name("thumbnailKey")} = ${x.value(outcome.thumbnailKey)}`);
      else remove.push(x.name("thumbnailKey"));
      if (outcome.status === "rejected") set.push(`${x.name("rejectionReason")} = ${x.value(outcome.reason)}`);
      else remove.push(x.name("rejectionReason"));
      // From the version the caller read, and only once its own transition has been announced: one
      // replacement at a time, so record, thumbnail and events follow one history.
      const condition = [
        `${x.name(ATTR.status)} = ${x.value("ready")}`,
        `${x.name(ATTR.size)} = ${x.value(from.size)}`,
        x.equals(ATTR.eTag, from.eTag),
        x.equals(ATTR.sequencer, from.sequencer),
        `attribute_not_exists(${x.name(ATTR.announcement)})`,
      ].join(" AND ");
      const actions: WriteAction[] = [{ Update: { Key: fileKey(userId, fileId), UpdateExpression: updateExpression(set, remove), ConditionExpression: condition, ...x.params() } }];
      const delta = usageDelta({ state: "ready", size: from.size }, { state: outcome.status, size: outcome.size });
      if (delta.files !== 0 || delta.bytes !== 0) actions.push(usageUpdate(userId, delta));
      const result = await tx.write(actions);
      if (result.applied) return "updated";
      const current = result.reasons[0]?.item ? recordFromItem(result.reasons[0].item) : undefined;
      // Gone (deleted meanwhile), or a twin delivery of the same object did it.
      if (!current || (current.eTag === to.eTag && current.sequencer === to.sequencer)) return "unchanged";
      return "busy";
    },

    async settle(userId, fileId, version) {
      const x = new Expr();
      const condition = [`attribute_exists(${x.name(ATTR.announcement)})`];
      if (version) condition.push(x.equals(ATTR.eTag, version.eTag), x.equals(ATTR.sequencer, version.sequencer));
      const input = { Key: fileKey(userId, fileId), UpdateExpression: `REMOVE ${x.name(ATTR.announcement)}`, ConditionExpression: condition.join(" AND "), ...x.params() };
      // One action alone: a conditional write (1 WCU) does what a transaction would at twice the cost.
      return (await conditionalUpdate(ctx, input)) ? "updated" : "unchanged";
    },

    async remove(userId, fileId) {
      for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
        const record = await readRecord(ctx, userId, fileId);
        if (!record) return undefined;
        const x = new Expr();
        const condition =
          record.status === "pending" && record.expiresAt !== undefined
            ? isPendingUpload(x, markerOf(record))
            : `${x.name(ATTR.status)} = ${x.value(record.status)} AND ${x.name(ATTR.size)} = ${x.value(record.size)}`;
        const actions: WriteAction[] = [{ Delete: { Key: fileKey(userId, fileId), ConditionExpression: condition, ...x.params() } }];
        if (record.status === "pending" && record.expiresAt !== undefined) actions.push({ Delete: { Key: markerKey(userId, record.expiresAt, fileId) } });
        const delta = usageDelta({ state: record.status, size: record.size }, { state: "absent", size: 0 });
        if (delta.files !== 0 || delta.reservedBytes !== 0) actions.push(usageUpdate(userId, delta));
        // (Share links are not in this transaction: a file may have any number of them. The caller
        // revokes them afterwards, and a link to a missing record opens nothing meanwhile.)
        if ((await tx.write(actions)).applied) return isExpired(record, ctx.clock.now()) ? undefined : record;
        // Changed between the read and the write (or removed by a concurrent delete): read again.
      }
      throw new TooManyRequestsError("The file could not be deleted because of concurrent changes; try again.");
    },
  };
  return transitions;
}

/** A single conditional write; false when its condition failed. */
export async function conditionalUpdate(ctx: RepositoryContext, input: Omit<UpdateCommandInput, "TableName">): Promise<boolean> {
  try {
    await ctx.tx.retrying(() => ctx.client.send(new UpdateCommand({ TableName: ctx.tableName, ...input })));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}
