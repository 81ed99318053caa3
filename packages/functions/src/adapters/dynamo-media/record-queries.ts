import { QueryCommand, UpdateCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import type { MediaRecord } from "@media/core/media-record";
import type { MediaRepository, Usage } from "@media/core/ports";
import { TABLE, keysFor } from "@media/core/table";
import { call, type Item } from "../dynamo-calls";
import { readRecord, type RepositoryContext } from "./context";
import { Expr, updateExpression } from "./expressions";
import { ATTR, FILE_SK_HIGH, FILE_SK_LOW, fileKey, isExpired, RECORD_ATTRIBUTES, recordFromItem } from "./item-codec";
import { readUsage } from "./usage-counters";

/**
 * Reads and the edits that move no usage: get, list, update (name, description, tags) and usage. An
 * expired pending record is treated as absent by all of them until it is released.
 */
export function recordQueries(ctx: RepositoryContext, maxExaminedPerList: number): Pick<MediaRepository, "get" | "list" | "update" | "usage"> {
  const { client, tableName } = ctx;

  /** An expired upload's record is no file, to anyone. */
  function liveOnly(x: Expr, now: number): string {
    const until = x.name(ATTR.pendingUntil);
    return `(${x.name(ATTR.status)} <> ${x.value("pending")} OR attribute_not_exists(${until}) OR ${until} >= ${x.value(now / 1000)})`;
  }

  const queries: ReturnType<typeof recordQueries> = {
    async get(userId, fileId) {
      const record = await readRecord(ctx, userId, fileId);
      return record && !isExpired(record, ctx.clock.now()) ? record : undefined;
    },

    async list(userId, query, now) {
      const limit = Math.floor(query.limit);
      if (!(limit > 0)) return { records: [] };
      const index = TABLE.byKindIndex;
      const x = new Expr();
      const pk = x.name(query.kind ? index.partitionKey : TABLE.partitionKey);
      const sk = x.name(query.kind ? index.sortKey : TABLE.sortKey);
      const pkValue = query.kind ? keysFor.kindPartition(userId, query.kind) : keysFor.userPartition(userId);
      // fromId/toId are inclusive bounds; `after` is exclusive: it caps the range and is skipped below.
      const low = query.fromId !== undefined ? keysFor.file(query.fromId) : FILE_SK_LOW;
      let high = query.toId !== undefined ? keysFor.file(query.toId) : FILE_SK_HIGH;
      if (query.after !== undefined && keysFor.file(query.after) < high) high = keysFor.file(query.after);
      if (high < low) return { records: [] };

      const filters = [liveOnly(x, now)];
      if (query.q) filters.push(`contains(${x.name(ATTR.fileNameLower)}, ${x.value(query.q.toLowerCase())})`);
      const input: QueryCommandInput = {
        TableName: tableName,
        KeyConditionExpression: `${pk} = ${x.value(pkValue)} AND ${sk} BETWEEN ${x.value(low)} AND ${x.value(high)}`,
        FilterExpression: filters.join(" AND "),
        // Only what recordFromItem reads: the keys, index keys and search column would be read, sent and
        // decoded for nothing, and they are a third of a record (the filter still sees every attribute).
        ProjectionExpression: RECORD_ATTRIBUTES.map((a) => x.name(a)).join(", "),
        ScanIndexForward: false,
        ...x.params(),
      };
      if (query.kind) input.IndexName = index.name;
      else input.ConsistentRead = true;

      // DynamoDB applies Limit before the filter, so pages can come back sparse or empty: keep reading
      // until `limit` records matched or the range is exhausted, growing the page as matches prove rare.
      // Without a search almost every item matches (only expired pending records are filtered out), so
      // the first read asks for the page plus one, which tells whether more follow, plus the `after` item
      // itself, which the inclusive range returns first. A search starts wider: matches may be rare.
      const records: MediaRecord[] = [];
      let pageSize = query.q ? Math.min(1000, Math.max(50, 2 * limit)) : Math.min(1000, limit + (query.after !== undefined ? 2 : 1));
      let examined = 0;
      let lastKey: Item | undefined;
      do {
        const page = await call(client.send(new QueryCommand({ ...input, Limit: pageSize, ExclusiveStartKey: lastKey })));
        examined += page.ScannedCount ?? page.Items?.length ?? 0;
        for (const item of page.Items ?? []) {
          const record = recordFromItem(item);
          if (record.fileId !== query.after) records.push(record);
        }
        lastKey = page.LastEvaluatedKey;
        pageSize = Math.min(1000, pageSize * 2);
      } while (lastKey && records.length < limit && examined < maxExaminedPerList);

      if (records.length > limit) {
        const kept = records.slice(0, limit);
        return { records: kept, lastFileId: kept[kept.length - 1]!.fileId };
      }
      if (!lastKey) return { records };
      if (records.length === limit) return { records, lastFileId: records[records.length - 1]!.fileId };
      // The examination budget ran out first: continue after the last item examined.
      const lastSk = lastKey[query.kind ? index.sortKey : TABLE.sortKey];
      return { records, lastFileId: String(lastSk).slice(FILE_SK_LOW.length) };
    },

    async update(userId, fileId, patch) {
      const x = new Expr();
      const set: string[] = [];
      const remove: string[] = [];
      if (patch.fileName !== undefined) {
        set.push(`${x.name("fileName")} = ${x.value(patch.fileName)}`, `${x.name(ATTR.fileNameLower)} = ${x.value(patch.fileName.toLowerCase())}`);
      }
      if (patch.description === null) remove.push(x.name("description"));
      else if (patch.description !== undefined) set.push(`${x.name("description")} = ${x.value(patch.description)}`);
      if (patch.tags === null) remove.push(x.name("tags"));
      else if (patch.tags !== undefined) set.push(`${x.name("tags")} = ${x.value([...patch.tags])}`);
      if (set.length === 0 && remove.length === 0) return queries.get(userId, fileId);

      // attribute_exists: UpdateItem would otherwise create a stray item. The key is built from the
      // caller's own userId, so another user's file is simply not found.
      const condition = `attribute_exists(${x.name(TABLE.partitionKey)}) AND ${liveOnly(x, ctx.clock.now())}`;
      try {
        const result = await ctx.tx.retrying(() =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: fileKey(userId, fileId),
              UpdateExpression: updateExpression(set, remove),
              ConditionExpression: condition,
              ReturnValues: "ALL_NEW",
              ...x.params(),
            }),
          ),
        );
        return result.Attributes ? recordFromItem(result.Attributes) : undefined;
      } catch (error) {
        if (error instanceof Error && error.name === "ConditionalCheckFailedException") return undefined;
        throw error;
      }
    },

    async usage(userId): Promise<Usage> {
      const usage = await readUsage(client, tableName, userId);
      return { files: usage.files, bytes: usage.bytes, reservedBytes: usage.committed - usage.bytes };
    },
  };
  return queries;
}
