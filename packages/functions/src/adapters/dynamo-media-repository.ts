import { randomUUID } from "node:crypto";
import { PutItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { ConflictError, TooManyRequestsError } from "@media/core/errors";
import type { MediaMetadata, MediaRecord, MediaStatus } from "@media/core/media-record";
import type { MediaKind } from "@media/core/media-types";
import type { Clock, ListPage, ListQuery, MediaRepository, ObjectVersion, ReadyResult, Usage } from "@media/core/ports";
import type { UserRecords } from "@media/core/purge";
import { QuotaExceededError } from "@media/core/quota";
import type { UsageReconciler, UsageRecount } from "@media/core/reindex";
import { TABLE, keysFor } from "@media/core/table";
import { call, queryPrefix, type Item } from "./dynamo-calls";

/**
 * The MediaRepository on DynamoDB, without transactions (dynalite, the local DynamoDB, has none).
 *
 * The usage item (`USER#{sub}` / `USAGE`) holds
 * - `files`, `bytes`: what the user's ready files take;
 * - `committed`: `bytes` plus every reservation still in the ledger, kept by the same atomic writes, so
 *   that "does this upload fit?" is a condition DynamoDB evaluates (`committed <= quota - size`) instead
 *   of a read-modify-write: concurrent presigns racing for the last bytes cannot together exceed the
 *   quota, and none of them has to retry because another one won;
 * - `pendingUploads`: how many reservations there are (capped);
 * - `ledger`: one entry per file in flight, `{fileId: {state, size, until?}}`:
 *     `reserved`: a pending upload holding its declared size until `until` (= the record's expiresAt);
 *     `counted`:  the file was counted into files/bytes (with `size`, the stored size, and the
 *                 `eTag` and event `sequencer` of the object counted) and its record has not yet been
 *                 confirmed ready. It is the idempotency token of markReady.
 *     `replacing`: a ready file's object was replaced (the upload policy stays valid for its window):
 *                 files/bytes already moved by `files`/`bytes` (the new size minus the old; the whole
 *                 file for a rejected replacement) for the new version (`eTag`, `sequencer`). The
 *                 record write that moves the record to that version also stores the entry's `nonce`
 *                 (`replacementToken`): only a record carrying it is the one this count was moved for.
 *                 Without the nonce, a delivery that read the record before an identical replacement
 *                 finished could move the count a second time and then find "its" version recorded.
 *     `removing`: the file is being deleted (see remove). Not `moved` yet: a delete announced itself and
 *                 the file still counts as before; it keeps other steps off the file while the delete
 *                 reads what it holds. `moved`: what the file held has left files/bytes/committed (and
 *                 its reservation pendingUploads), whether or not its record is still there; the record
 *                 is deleted next, then the entry.
 *
 * Exactly-once usage comes from the ledger entry of each file: every change of files/bytes/committed
 * happens in the same conditional write that moves that file's entry from one state to the next
 * (reserve: absent → reserved; claim: reserved → counted; release/prune: reserved → absent;
 * settle: counted → absent, keeping the count; undo: counted → absent, taking it back; replace:
 * absent → replacing, moving the count; settle: replacing → absent, keeping it; revert: replacing →
 * absent, moving it back; delete: absent → removing → moved, or reserved/counted/replacing → moved,
 * giving the file back; clear: moved → absent once the record is gone), so a retried or concurrent
 * step fails its condition instead of counting twice. Invariant: committed = bytes + the sizes of all
 * `reserved` entries; a file is counted in bytes iff its record is ready or its entry is `counted`, with
 * its record's size, unless a `replacing` entry names a version the record does not describe yet: then
 * with the record's size moved by the entry's; and never while its entry is a moved `removing`.
 *
 * Dead records: a pending record whose `expiresAt` (epoch seconds) has passed is dead. DynamoDB's TTL
 * deletes it up to 48 h later and dynalite never does, so every read hides it, and its reservation stops
 * counting (in `usage`) and is pruned by the next presign that finds the quota or the pending cap in its
 * way. Until then its bytes stay in `committed`, so a late markReady may still claim it without
 * over-committing; once pruned, it never can. Calls whose port signature has no `now` (get, update,
 * remove) use the clock given here.
 */
export interface DynamoMediaRepositoryOptions {
  client: DynamoDBDocumentClient;
  /**
   * A plain client built with `cacheMiddleware: true`, for the writes every presign makes (the ledger's
   * conditional updates and the pending record): its middleware stack is resolved once per command type
   * instead of at every call, which the document client refuses to do. Their values are marshalled with
   * the document client's own options. Without it, they go through `client`.
   */
  writer?: DynamoDBClient;
  tableName: string;
  /** Decides which pending records are dead in get, update and remove. Defaults to the system clock. */
  clock?: Clock;
  /** Reservations a user may hold at once (pending uploads); keeps the usage item small. */
  maxPendingUploads?: number;
  /** Bound on re-reads after a lost race before answering 429. */
  maxAttempts?: number;
  /** Items one list call may examine before it returns what it has, with a cursor to continue. */
  maxExaminedPerList?: number;
}

type LedgerEntry =
  | { state: "reserved"; size: number; until: number }
  | { state: "counted"; size: number; eTag?: string; sequencer?: string }
  | { state: "replacing"; nonce: string; files: number; bytes: number; eTag?: string; sequencer?: string }
  | RemovingEntry;
type RemovingEntry = { state: "removing"; nonce: string; moved: boolean; files?: number; bytes?: number };

interface UsageItem {
  files: number;
  bytes: number;
  committed: number;
  pendingUploads: number;
  ledger: Record<string, LedgerEntry>;
}


const A = {
  files: "files",
  bytes: "bytes",
  committed: "committed",
  pendingUploads: "pendingUploads",
  ledger: "ledger",
  state: "state",
  size: "size",
  status: "status",
  expiresAt: TABLE.timeToLiveAttribute,
  fileNameLower: "fileNameLower",
} as const;

// Every fileId is a ULID in Crockford base32 (0-9, A-Z); sort keys compare as UTF-8 bytes, so
// "FILE#~" sorts after every file and before nothing else of a user's partition that starts with FILE#.
const FILE_SK_LOW = keysFor.file("");
const FILE_SK_HIGH = keysFor.file("~");
const PRUNE_BATCH = 50;

export function createDynamoMediaRepository(options: DynamoMediaRepositoryOptions): MediaRepository {
  const { client, tableName, writer } = options;
  // A copy: the document client sets convertTopLevelContainer on its own options object as it works, and
  // the writer's attribute maps must stay maps of attributes.
  const marshallOptions = writer ? { ...client.config.translateConfig?.marshallOptions, convertTopLevelContainer: false } : undefined;
  const marshalled = (values: Record<string, NativeAttributeValue> | undefined) => (values ? marshall(values, marshallOptions) : undefined);

  function sendUpdate(input: UpdateCommandInput): Promise<unknown> {
    if (!writer) return client.send(new UpdateCommand(input));
    return writer.send(new UpdateItemCommand({ ...input, Key: marshalled(input.Key), ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues) }));
  }

  function sendPut(input: PutCommandInput): Promise<unknown> {
    if (!writer) return client.send(new PutCommand(input));
    return writer.send(new PutItemCommand({ ...input, Item: marshalled(input.Item), ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues) }));
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const maxPending = options.maxPendingUploads ?? 100;
  const maxAttempts = options.maxAttempts ?? 10;
  const maxExamined = options.maxExaminedPerList ?? 5_000;

  const fileKey = (userId: string, fileId: string) => ({
    [TABLE.partitionKey]: keysFor.userPartition(userId),
    [TABLE.sortKey]: keysFor.file(fileId),
  });
  const usageKey = (userId: string) => ({
    [TABLE.partitionKey]: keysFor.userPartition(userId),
    [TABLE.sortKey]: keysFor.usage,
  });

  async function readUsage(userId: string): Promise<UsageItem | undefined> {
    const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: usageKey(userId), ConsistentRead: true })));
    return Item ? usageFromItem(Item) : undefined;
  }

  /** Runs a conditional update; false when its condition failed. */
  async function conditionalUpdate(userId: string, sk: string, x: Expr, update: string, condition: string): Promise<boolean> {
    const key = { [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: sk };
    const result = await conditional(
      sendUpdate({ TableName: tableName, Key: key, UpdateExpression: update, ConditionExpression: condition, ...x.params() }),
    );
    return result !== undefined;
  }

  async function createUsageItem(userId: string): Promise<void> {
    const item: Item = { ...usageKey(userId), files: 0, bytes: 0, committed: 0, pendingUploads: 0, ledger: {} };
    await conditional(
      client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": TABLE.partitionKey } }),
      ),
    );
  }

  /** absent → reserved, holding the declared bytes; false when the upload does not fit (or the entry exists). */
  function reserve(userId: string, fileId: string, size: number, until: number, quotaBytes: number): Promise<boolean> {
    const x = new Expr();
    const entry = x.path(A.ledger, fileId);
    return conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `SET ${entry} = ${x.value({ state: "reserved", size, until })} ` +
        `ADD ${x.name(A.committed)} ${x.value(size)}, ${x.name(A.pendingUploads)} ${x.value(1)}`,
      // The quota check itself: evaluated atomically by DynamoDB against the current item. On a
      // missing usage item `committed` is absent and the comparison is false, so nothing is created.
      `${x.name(A.committed)} <= ${x.value(quotaBytes - size)} AND ${x.name(A.pendingUploads)} < ${x.value(maxPending)} AND attribute_not_exists(${entry})`,
    );
  }

  /** reserved → absent, giving the declared bytes back. */
  function release(userId: string, fileId: string, size: number): Promise<boolean> {
    const x = new Expr();
    const entry = x.path(A.ledger, fileId);
    return conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `REMOVE ${entry} ADD ${x.name(A.committed)} ${x.value(-size)}, ${x.name(A.pendingUploads)} ${x.value(-1)}`,
      `${entry}.${x.name(A.state)} = ${x.value("reserved")} AND ${entry}.${x.name(A.size)} = ${x.value(size)}`,
    );
  }

  /** reserved (declared) → counted (stored): the file enters files/bytes, its reservation leaves. */
  function claim(userId: string, fileId: string, declared: number, stored: number, version: ObjectVersion): Promise<boolean> {
    const x = new Expr();
    const entry = x.path(A.ledger, fileId);
    return conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `SET ${entry} = ${x.value(definedOnly({ state: "counted", size: stored, eTag: version.eTag, sequencer: version.sequencer }))} ` +
        `ADD ${x.name(A.files)} ${x.value(1)}, ${x.name(A.bytes)} ${x.value(stored)}, ` +
        `${x.name(A.committed)} ${x.value(stored - declared)}, ${x.name(A.pendingUploads)} ${x.value(-1)}`,
      `${entry}.${x.name(A.state)} = ${x.value("reserved")} AND ${entry}.${x.name(A.size)} = ${x.value(declared)}`,
    );
  }

  /** counted → absent, the count kept: the record is confirmed ready. Exactly one caller gets true. */
  function settleCounted(userId: string, fileId: string): Promise<boolean> {
    const x = new Expr();
    const entry = x.path(A.ledger, fileId);
    return conditionalUpdate(userId, keysFor.usage, x, `REMOVE ${entry}`, `${entry}.${x.name(A.state)} = ${x.value("counted")}`);
  }

  /** counted → absent, the count taken back: the record it was counted for is gone (or not ready). */
  function uncount(userId: string, fileId: string, size: number): Promise<boolean> {
    const x = new Expr();
    const entry = x.path(A.ledger, fileId);
    const minus = x.value(-size);
    return conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `REMOVE ${entry} ADD ${x.name(A.files)} ${x.value(-1)}, ${x.name(A.bytes)} ${minus}, ${x.name(A.committed)} ${minus}`,
      `${entry}.${x.name(A.state)} = ${x.value("counted")} AND ${entry}.${x.name(A.size)} = ${x.value(size)}`,
    );
  }

  /** The condition that the `replacing` entry of the file is this one (same version, same nonce). */
  function replacingIs(x: Expr, entry: string, version: ObjectVersion & { nonce: string }): string {
    const parts = [`${entry}.${x.name(A.state)} = ${x.value("replacing")}`, `${entry}.${x.name("nonce")} = ${x.value(version.nonce)}`];
    for (const attribute of ["eTag", "sequencer"] as const) {
      const value = version[attribute];
      parts.push(value === undefined ? `attribute_not_exists(${entry}.${x.name(attribute)})` : `${entry}.${x.name(attribute)} = ${x.value(value)}`);
    }
    return parts.join(" AND ");
  }

  /** replacing → absent, the moved count kept: the record describes the new version. */
  function retireReplacing(userId: string, fileId: string, version: ObjectVersion & { nonce: string }): Promise<boolean> {
    const x = new Expr();
    const entry = x.path(A.ledger, fileId);
    return conditionalUpdate(userId, keysFor.usage, x, `REMOVE ${entry}`, replacingIs(x, entry, version));
  }

  /** replacing → absent, the count moved back: the record never came to describe the new version. */
  function revertReplacing(userId: string, fileId: string, entry: Extract<LedgerEntry, { state: "replacing" }>): Promise<boolean> {
    const x = new Expr();
    const path = x.path(A.ledger, fileId);
    const bytes = x.value(-entry.bytes);
    return conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `REMOVE ${path} ADD ${x.name(A.files)} ${x.value(-entry.files)}, ${x.name(A.bytes)} ${bytes}, ${x.name(A.committed)} ${bytes}`,
      replacingIs(x, path, entry),
    );
  }

  /**
   * A `replacing` entry whose maker may be gone: kept when the record was written under it (its count is
   * the record's), moved back otherwise. The record's own write decides, so every caller decides alike.
   */
  async function resolveReplacing(userId: string, fileId: string, entry: Extract<LedgerEntry, { state: "replacing" }>, token: string | undefined): Promise<boolean> {
    return token === entry.nonce ? retireReplacing(userId, fileId, entry) : revertReplacing(userId, fileId, entry);
  }

  /** The record with the nonce of the replacement that last wrote it. */
  async function readFile(userId: string, fileId: string): Promise<{ record: MediaRecord; token?: string } | undefined> {
    const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: fileKey(userId, fileId), ConsistentRead: true })));
    if (!Item) return undefined;
    return typeof Item.replacementToken === "string" ? { record: recordFromItem(Item), token: Item.replacementToken } : { record: recordFromItem(Item) };
  }

  /**
   * The first step of a delete (see remove): the file's entry becomes `removing`, moved, and files/bytes/
   * committed/pendingUploads give back what the file held, in one write conditioned on the entry being the
   * one whose count was computed (`prior`, or this delete's own announcement). `file` was read after
   * `prior`: under a reserved, counted or replacing entry what the file holds follows from the entry and
   * the record alike whichever writes land meanwhile (the invariant); under an announcement nothing
   * counted can change. Returns the entry written; undefined when the entry changed meanwhile.
   */
  async function moveOut(userId: string, fileId: string, prior: LedgerEntry | undefined, file: { record: MediaRecord; token?: string }): Promise<RemovingEntry | undefined> {
    let files = 0;
    let bytes = 0;
    let reservedBytes = 0;
    if (prior?.state === "reserved") reservedBytes = prior.size;
    else if (prior?.state === "counted") [files, bytes] = [1, prior.size];
    else {
      if (file.record.status === "ready") [files, bytes] = [1, file.record.size];
      if (prior?.state === "replacing" && file.token !== prior.nonce) [files, bytes] = [files + prior.files, bytes + prior.bytes];
    }
    const x = new Expr();
    const path = x.path(A.ledger, fileId);
    const condition =
      prior === undefined
        ? `attribute_not_exists(${path})`
        : prior.state === "replacing"
          ? replacingIs(x, path, prior)
          : prior.state === "removing"
            ? `${path}.${x.name(A.state)} = ${x.value("removing")} AND ${path}.${x.name("nonce")} = ${x.value(prior.nonce)} AND ${path}.${x.name("moved")} = ${x.value(false)}`
            : `${path}.${x.name(A.state)} = ${x.value(prior.state)} AND ${path}.${x.name(A.size)} = ${x.value(prior.size)}`;
    const moved: RemovingEntry = { state: "removing", nonce: randomUUID(), moved: true, files, bytes };
    const written = await conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `SET ${path} = ${x.value(moved)} ` +
        `ADD ${x.name(A.files)} ${x.value(-files)}, ${x.name(A.bytes)} ${x.value(-bytes)}, ` +
        `${x.name(A.committed)} ${x.value(-bytes - reservedBytes)}, ${x.name(A.pendingUploads)} ${x.value(prior?.state === "reserved" ? -1 : 0)}`,
      condition,
    );
    return written ? moved : undefined;
  }

  /** absent → removing, not moved: a delete announces itself before it reads what the file holds. */
  async function announceRemoval(userId: string, fileId: string): Promise<RemovingEntry | undefined> {
    const x = new Expr();
    const path = x.path(A.ledger, fileId);
    const announced: RemovingEntry = { state: "removing", nonce: randomUUID(), moved: false };
    return (await conditionalUpdate(userId, keysFor.usage, x, `SET ${path} = ${x.value(announced)}`, `attribute_not_exists(${path})`)) ? announced : undefined;
  }

  /** removing → absent: the record is gone (and, for a moved entry, what it held was given back). */
  function clearRemoval(userId: string, fileId: string, entry: RemovingEntry): Promise<boolean> {
    const x = new Expr();
    const path = x.path(A.ledger, fileId);
    return conditionalUpdate(
      userId,
      keysFor.usage,
      x,
      `REMOVE ${path}`,
      `${path}.${x.name(A.state)} = ${x.value("removing")} AND ${path}.${x.name("nonce")} = ${x.value(entry.nonce)} AND ${path}.${x.name("moved")} = ${x.value(entry.moved)}`,
    );
  }

  async function pruneReservations(userId: string, expired: [string, { size: number }][]): Promise<void> {
    for (let i = 0; i < expired.length; i += PRUNE_BATCH) {
      const batch = expired.slice(i, i + PRUNE_BATCH);
      const x = new Expr();
      const paths = batch.map(([fileId]) => x.path(A.ledger, fileId));
      const freed = batch.reduce((sum, [, entry]) => sum + entry.size, 0);
      const reserved = x.value("reserved");
      const pruned = await conditionalUpdate(
        userId,
        keysFor.usage,
        x,
        `REMOVE ${paths.join(", ")} ADD ${x.name(A.committed)} ${x.value(-freed)}, ${x.name(A.pendingUploads)} ${x.value(-batch.length)}`,
        paths.map((p) => `${p}.${x.name(A.state)} = ${reserved}`).join(" AND "),
      );
      if (!pruned) return; // someone else changed the ledger: the caller reads it again
    }
  }

  /** Sets the record's state from pending; false when it was not pending (or is gone). */
  function transition(userId: string, fileId: string, x: Expr, set: string[]): Promise<boolean> {
    return conditionalUpdate(
      userId,
      keysFor.file(fileId),
      x,
      `SET ${set.join(", ")} REMOVE ${x.name(A.expiresAt)}`,
      `${x.name(A.status)} = ${x.value("pending")}`,
    );
  }

  const repository: MediaRepository = {
    async createPending(record, quotaBytes, now) {
      if (record.status !== "pending" || record.expiresAt === undefined) {
        throw new Error("createPending needs a pending record with expiresAt.");
      }
      const { userId, fileId, size } = record;
      const until = record.expiresAt;
      // First without reading: the conditional write decides alone whether the upload fits, so the
      // usual presign costs two writes (this and the record). Only when its condition fails (no usage
      // item yet, quota or cap reached, expired reservations still weighing, duplicate fileId) does the
      // loop below read the item to find out why, prune, and try again or answer precisely. Expired
      // entries left in the ledger meanwhile still hold their bytes in `committed`, so claiming one
      // later over-commits nothing; the pending cap bounds how many there can be.
      let reserved = await reserve(userId, fileId, size, until, quotaBytes);
      for (let attempt = 0; attempt < maxAttempts && !reserved; attempt++) {
        const usage = await readUsage(userId);
        if (!usage) {
          await createUsageItem(userId);
          continue;
        }
        // An expired reservation of this very fileId is a dead upload's (reindex writes the record of an
        // object whose event was lost again, under its own fileId): pruned below like any other.
        const own = usage.ledger[fileId];
        if (own && !(own.state === "reserved" && own.until * 1000 < now)) throw new ConflictError("This upload already exists.", { code: "UploadExists" });
        const expired = Object.entries(usage.ledger).filter(
          (e): e is [string, Extract<LedgerEntry, { state: "reserved" }>] => e[1].state === "reserved" && e[1].until * 1000 < now,
        );
        if (expired.length > 0) {
          // Dead reservations stop counting the moment they expire; they leave `committed` here (in
          // batches that keep each expression well under DynamoDB's 4 KB), each write conditioned on
          // every entry still being reserved, since markReady may claim one meanwhile. Until pruned
          // they still weigh in the quota condition, which only errs on the safe side.
          await pruneReservations(userId, expired);
          continue;
        }
        if (usage.committed + size > quotaBytes) throw new QuotaExceededError(quotaBytes - usage.committed, quotaBytes);
        if (usage.pendingUploads >= maxPending) {
          throw new TooManyRequestsError(`At most ${maxPending} uploads may be pending at once; finish or wait for some before starting more.`);
        }
        reserved = await reserve(userId, fileId, size, until, quotaBytes);
        // On a failed condition another upload took the room (or expired entries appeared): read again.
      }
      if (!reserved) throw new TooManyRequestsError("Too many concurrent uploads; try again shortly.");

      try {
        await call(
          sendPut({
            TableName: tableName,
            Item: toItem(record),
            // A dead pending record (not yet deleted by TTL) is no record: see the expired reservation above.
            ConditionExpression: "attribute_not_exists(#pk) OR (#status = :pending AND #expiresAt < :now)",
            ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#status": A.status, "#expiresAt": A.expiresAt },
            ExpressionAttributeValues: { ":pending": "pending", ":now": now / 1000 },
          }),
        );
      } catch (error) {
        // Nothing may be left behind: give the reservation back (if even that fails, it expires).
        await release(userId, fileId, size).catch(() => undefined);
        if (isConditionFailed(error)) throw new ConflictError("This upload already exists.", { code: "UploadExists", cause: error });
        throw error;
      }
    },

    async get(userId, fileId) {
      const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: fileKey(userId, fileId), ConsistentRead: true })));
      if (!Item) return undefined;
      const record = recordFromItem(Item);
      return isDead(record, clock.now()) ? undefined : record;
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

      const status = x.name(A.status);
      const expiresAt = x.name(A.expiresAt);
      const filters = [`(${status} <> ${x.value("pending")} OR attribute_not_exists(${expiresAt}) OR ${expiresAt} >= ${x.value(now / 1000)})`];
      if (query.q) filters.push(`contains(${x.name(A.fileNameLower)}, ${x.value(query.q.toLowerCase())})`);
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
      // Without a search almost every item matches (only dead pending records are filtered out), so the
      // first read asks for the page plus one, which tells whether more follow, plus the `after` item
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
      } while (lastKey && records.length < limit && examined < maxExamined);

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

    async markReady(userId, fileId, facts) {
      let counted: { size: number; version: ObjectVersion } | undefined;
      for (let attempt = 0; attempt < maxAttempts && counted === undefined; attempt++) {
        const entry = (await readUsage(userId))?.ledger[fileId];
        // No entry: released (record deleted or rejected), pruned (the record died unclaimed, its
        // bytes went to other uploads, so it must not become ready) or already settled (ready). In
        // none of these cases may this call count anything or touch the record.
        if (!entry) return "unchanged";
        // Replacing: the record is ready and its object was replaced since; nothing to do here.
        // Removing: the file is being deleted and no longer counts; it must not be counted again.
        if (entry.state === "replacing" || entry.state === "removing") return "unchanged";
        // Counted: an earlier delivery counted it and died before (or while) confirming the record. It
        // may have counted another object than this call's (the policy allows more than one POST to the
        // key): the record takes the size, eTag and sequencer that were counted, so that usage and
        // record agree and the record names an object that was inspected after the event it names; the
        // caller sees the eTag differ from its own object's and treats its object as a replacement.
        if (entry.state === "counted") {
          counted = { size: entry.size, version: entry.eTag !== undefined ? { eTag: entry.eTag, sequencer: entry.sequencer } : { eTag: facts.eTag, sequencer: facts.sequencer } };
        }
        // Step 1: the reservation is the idempotency token; claiming it counts the file once.
        else if (await claim(userId, fileId, entry.size, facts.size, facts)) counted = { size: facts.size, version: { eTag: facts.eTag, sequencer: facts.sequencer } };
      }
      if (counted === undefined) throw new TooManyRequestsError("The file could not be indexed because of concurrent changes.");

      // Step 2: the record, with the size that was counted, so usage and record always agree.
      const x = new Expr();
      const set = [
        `${x.name(A.status)} = ${x.value("ready")}`,
        `${x.name(A.size)} = ${x.value(counted.size)}`,
        `${x.name("metadata")} = ${x.value(definedOnly(facts.metadata))}`,
      ];
      if (facts.thumbnailKey !== undefined) set.push(`${x.name("thumbnailKey")} = ${x.value(facts.thumbnailKey)}`);
      if (counted.version.sequencer !== undefined) set.push(`${x.name("sequencer")} = ${x.value(counted.version.sequencer)}`);
      if (counted.version.eTag !== undefined) set.push(`${x.name("eTag")} = ${x.value(counted.version.eTag)}`);
      if (facts.declaredSize !== undefined) set.push(`${x.name("declaredSize")} = ${x.value(facts.declaredSize)}`);
      const updated = await transition(userId, fileId, x, set);

      // Step 3: retire the token. If step 2 changed nothing, the record is either ready already (a
      // concurrent or earlier delivery) and the count stays, or it is gone (deleted meanwhile, or
      // expired and removed by TTL) and the count is taken back. remove() races for the same entry.
      // "updated" goes to the one call that retires the token of a ready record: after a crash between
      // steps 2 and 3 the redelivery gets it (the crashed call never returned, so never announced the
      // file), concurrent deliveries get it once, and a file deleted meanwhile is never announced.
      if (!updated) {
        // (A failed read throws: guessing "gone" here could take back a legitimate count.)
        const current = await repository.get(userId, fileId);
        if (current?.status !== "ready") {
          await uncount(userId, fileId, counted.size);
          return "unchanged";
        }
      }
      return (await settleCounted(userId, fileId)) ? "updated" : "unchanged";
    },

    async markRejected(userId, fileId, reason) {
      let released = false;
      for (let attempt = 0; attempt < maxAttempts && !released; attempt++) {
        const entry = (await readUsage(userId))?.ledger[fileId];
        // No entry: nothing is held (released earlier, pruned, or settled); the record decides below.
        if (!entry) released = true;
        // Counted: markReady is under way for this file and wins; a rejection would strand the count.
        // Replacing: the record is ready (and a replacement of it under way), not pending.
        else if (entry.state !== "reserved") return "unchanged";
        else released = await release(userId, fileId, entry.size);
      }
      if (!released) throw new TooManyRequestsError("The file could not be updated because of concurrent changes.");
      const x = new Expr();
      const changed = await transition(userId, fileId, x, [`${x.name(A.status)} = ${x.value("rejected")}`, `${x.name("rejectionReason")} = ${x.value(reason)}`]);
      return changed ? "updated" : "unchanged";
    },

    async startReplacement(userId, fileId, from, to, outcome) {
      const files = outcome.status === "ready" ? 0 : -1;
      const bytes = outcome.status === "ready" ? outcome.size - from.size : -from.size;
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const usage = await readUsage(userId);
        if (!usage) {
          await createUsageItem(userId);
          continue;
        }
        const entry = usage.ledger[fileId];
        if (!entry) {
          const x = new Expr();
          const path = x.path(A.ledger, fileId);
          const moved = x.value(bytes);
          const started = await conditionalUpdate(
            userId,
            keysFor.usage,
            x,
            `SET ${path} = ${x.value(definedOnly({ state: "replacing", nonce: randomUUID(), files, bytes, eTag: to.eTag, sequencer: to.sequencer }))} ` +
              `ADD ${x.name(A.files)} ${x.value(files)}, ${x.name(A.bytes)} ${moved}, ${x.name(A.committed)} ${moved}`,
            `attribute_not_exists(${path})`,
          );
          if (started) return "started";
          continue;
        }
        // This replacement's own token: a twin delivery, or a redelivery after a crash. It keeps the
        // amounts it was written with (the same object, so the same outcome).
        if (entry.state === "replacing" && sameVersion(entry, to)) return "started";
        // A first upload's token whose record write already landed (the caller read the record as
        // ready), its process dead before retiring it: retire it and go on.
        if (entry.state === "counted") await settleCounted(userId, fileId);
        // The token of the replacement that produced `from`, never retired: resolve it by the record.
        else if (entry.state === "replacing" && sameVersion(entry, from)) {
          const file = await readFile(userId, fileId);
          if (!file) return "busy"; // deleted meanwhile: remove() resolves the token
          await resolveReplacing(userId, fileId, entry, file.token);
        }
        // Another replacement of the same file is under way (or a reservation, which a ready file
        // never has): one at a time, so the record and the count follow one history.
        else return "busy";
      }
      throw new TooManyRequestsError("The file could not be updated because of concurrent changes.");
    },

    async finishReplacement(userId, fileId, from, to, outcome) {
      // No token for `to`: a twin finished (or a delete resolved it); nothing of this call's to write.
      const entry = (await readUsage(userId))?.ledger[fileId];
      if (entry?.state !== "replacing" || !sameVersion(entry, to)) return "unchanged";
      const x = new Expr();
      const set = [
        `${x.name(A.status)} = ${x.value(outcome.status)}`,
        `${x.name(A.size)} = ${x.value(outcome.size)}`,
        `${x.name("metadata")} = ${x.value(outcome.status === "ready" ? definedOnly(outcome.metadata) : {})}`,
      ];
      const remove: string[] = [];
      for (const attribute of ["eTag", "sequencer"] as const) {
        const value = to[attribute];
        if (value === undefined) remove.push(x.name(attribute));
        else set.push(`${x.name(attribute)} = ${x.value(value)}`);
      }
      if (outcome.status === "ready" && outcome.thumbnailKey !== undefined) set.push(`${x.name("thumbnailKey")} = ${x.value(outcome.thumbnailKey)}`);
      else remove.push(x.name("thumbnailKey"));
      if (outcome.status === "rejected") set.push(`${x.name("rejectionReason")} = ${x.value(outcome.reason)}`);
      else remove.push(x.name("rejectionReason"));
      set.push(`${x.name("replacementToken")} = ${x.value(entry.nonce)}`);
      // Keyed on the version the record describes: a write for a stale view of it fails.
      const condition = [`attribute_exists(${x.name(TABLE.partitionKey)})`, `${x.name(A.status)} = ${x.value("ready")}`];
      for (const attribute of ["eTag", "sequencer"] as const) {
        const value = from[attribute];
        condition.push(value === undefined ? `attribute_not_exists(${x.name(attribute)})` : `${x.name(attribute)} = ${x.value(value)}`);
      }
      const written = await conditionalUpdate(userId, keysFor.file(fileId), x, `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`, condition.join(" AND "));
      if (!written) {
        // (A failed read throws: guessing here could move a legitimate count.)
        const file = await readFile(userId, fileId);
        if (file?.token !== entry.nonce) {
          // Not written under this token: gone (deleted meanwhile; remove() races for the same token
          // and exactly one of the two moves the count back), already moved to `to` by an earlier
          // replacement whose count this token would double, or changed otherwise: move it back.
          await revertReplacing(userId, fileId, entry);
          if (file && !describes(file.record, to)) throw new TooManyRequestsError("The file changed while its replacement was being recorded; try again.");
          return "unchanged";
        }
      }
      return (await retireReplacing(userId, fileId, entry)) ? "updated" : "unchanged";
    },

    async settle(userId, fileId, version) {
      const entry = (await readUsage(userId))?.ledger[fileId];
      if (!entry || entry.state === "reserved" || entry.state === "removing") return "unchanged";
      const file = await readFile(userId, fileId);
      if (!file || file.record.status === "pending" || !describes(file.record, version)) return "unchanged";
      if (entry.state === "counted") {
        if (file.record.status !== "ready" || (entry.eTag !== undefined && entry.eTag !== version.eTag)) return "unchanged";
        return (await settleCounted(userId, fileId)) ? "updated" : "unchanged";
      }
      if (!sameVersion(entry, version)) return "unchanged";
      // Retired when the record was written under it; a token the record was not written under moved
      // the count a second time (a delivery with a stale view) and is moved back.
      if (file.token !== entry.nonce) {
        await revertReplacing(userId, fileId, entry);
        return "unchanged";
      }
      return (await retireReplacing(userId, fileId, entry)) ? "updated" : "unchanged";
    },

    async update(userId, fileId, patch) {
      const x = new Expr();
      const set: string[] = [];
      const remove: string[] = [];
      if (patch.fileName !== undefined) {
        set.push(`${x.name("fileName")} = ${x.value(patch.fileName)}`, `${x.name(A.fileNameLower)} = ${x.value(patch.fileName.toLowerCase())}`);
      }
      if (patch.description === null) remove.push(x.name("description"));
      else if (patch.description !== undefined) set.push(`${x.name("description")} = ${x.value(patch.description)}`);
      if (patch.tags === null) remove.push(x.name("tags"));
      else if (patch.tags !== undefined) set.push(`${x.name("tags")} = ${x.value([...patch.tags])}`);
      if (set.length === 0 && remove.length === 0) return repository.get(userId, fileId);

      const expiresAt = x.name(A.expiresAt);
      // attribute_exists: UpdateItem would otherwise create a stray item. The key is built from the
      // caller's own userId, so another user's file is simply not found.
      const condition =
        `attribute_exists(${x.name(TABLE.partitionKey)}) AND ` +
        `(${x.name(A.status)} <> ${x.value("pending")} OR attribute_not_exists(${expiresAt}) OR ${expiresAt} >= ${x.value(clock.now() / 1000)})`;
      const clauses = [set.length ? `SET ${set.join(", ")}` : "", remove.length ? `REMOVE ${remove.join(", ")}` : ""].filter(Boolean);
      const result = await conditional(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: fileKey(userId, fileId),
            UpdateExpression: clauses.join(" "),
            ConditionExpression: condition,
            ReturnValues: "ALL_NEW",
            ...x.params(),
          }),
        ),
      );
      return result?.Attributes ? recordFromItem(result.Attributes) : undefined;
    },

    async remove(userId, fileId) {
      // Usage first, then the record, so that no moment shows the record gone and its count still in
      // usage (a recount then would take the file off a second time): (1) the file's entry becomes
      // `removing` and usage gives back what the file held, in one write; (2) the record is deleted;
      // (3) the entry is cleared. Every step is conditional and any caller may take any step, so a
      // repeated delete finishes one that died half-way, and concurrent ones give back once. Without an
      // entry, a delete first announces itself (an entry not yet moved) and only then reads what the
      // record holds: the announcement is what proves that no earlier delete gave the file back already
      // (the record outlives every entry a delete writes), and it keeps replacements from starting.
      // What this call knows of the usage item: read, or just written by itself (which saves a read).
      let known: { usage: boolean; entry: LedgerEntry | undefined } | undefined;
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        if (!known) {
          const usage = await readUsage(userId);
          known = { usage: usage !== undefined, entry: usage?.ledger[fileId] };
        }
        const { entry } = known;
        if (entry?.state === "removing" && entry.moved) {
          // (The condition makes exactly one caller the deleter: only it receives the record.)
          const result = await conditional(
            client.send(
              new DeleteCommand({
                TableName: tableName,
                Key: fileKey(userId, fileId),
                ConditionExpression: "attribute_exists(#pk)",
                ExpressionAttributeNames: { "#pk": TABLE.partitionKey },
                ReturnValues: "ALL_OLD",
              }),
            ),
          );
          await clearRemoval(userId, fileId, entry);
          if (!result?.Attributes) return undefined;
          const old = recordFromItem(result.Attributes);
          // A dead pending record is cleaned up like any other, but to callers it was never there.
          return isDead(old, clock.now()) ? undefined : old;
        }
        const file = await readFile(userId, fileId);
        if (!file) {
          // Gone: deleted by a delete that has given it back (or never there). An announcement made
          // after that is void; any other entry is resolved by the step that wrote it.
          if (entry?.state === "removing") await clearRemoval(userId, fileId, entry);
          return undefined;
        }
        if (!known.usage) {
          // No usage item, so nothing counted (only records written around the repository get here).
          await conditional(client.send(new DeleteCommand({ TableName: tableName, Key: fileKey(userId, fileId), ConditionExpression: "attribute_exists(#pk)", ExpressionAttributeNames: { "#pk": TABLE.partitionKey } })));
          return isDead(file.record, clock.now()) ? undefined : file.record;
        }
        // The next turn goes on from the entry written, or reads it again: changed by someone else.
        const written = entry === undefined ? await announceRemoval(userId, fileId) : await moveOut(userId, fileId, entry, file);
        known = written ? { usage: true, entry: written } : undefined;
      }
      throw new TooManyRequestsError("The file could not be deleted because of concurrent changes; try again.");
    },

    async usage(userId, now): Promise<Usage> {
      const usage = await readUsage(userId);
      if (!usage) return { files: 0, bytes: 0, reservedBytes: 0 };
      let reservedBytes = 0;
      for (const entry of Object.values(usage.ledger)) {
        if (entry.state === "reserved" && entry.until * 1000 >= now) reservedBytes += entry.size;
      }
      return { files: usage.files, bytes: usage.bytes, reservedBytes };
    },
  };
  return repository;
}

/**
 * Whole-user maintenance for the recovery scripts, on the same items as the repository.
 *
 * reconcileUsage recomputes `files`/`bytes` from the user's records (ready ones, plus files the ledger
 * holds as `counted` whose record is not ready yet: markReady is between its steps) and `committed`/
 * `pendingUploads` from the ledger's reservations, keeping the invariant of the repository. The usage
 * item is read before the records and written only if its counters are still what was read, so a live
 * upload or delete meanwhile (every one of which changes a counter, except settle, which changes
 * nothing counted) makes it read again rather than write a stale total. A delete gives the file back
 * before it deletes the record, so no moment shows a record gone whose count is still in usage: a file
 * whose entry is a moved `removing` is not counted whether or not its record is still there, and a
 * `replacing` entry whose record is gone moves nothing (the record holds nothing any more).
 *
 * removeUserRecords deletes every file record and the usage item of the user (share links are the share
 * repository's), in batches of 25.
 */
export function createDynamoMediaMaintenance(options: Pick<DynamoMediaRepositoryOptions, "client" | "tableName" | "maxAttempts">): UsageReconciler & UserRecords {
  const { client, tableName } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const usageKey = (userId: string) => ({ [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.usage });

  async function readUsageItem(userId: string): Promise<Item | undefined> {
    const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: usageKey(userId), ConsistentRead: true })));
    return Item;
  }

  function fileItems(userId: string): Promise<Item[]> {
    return queryPrefix(client, tableName, keysFor.userPartition(userId), FILE_SK_LOW);
  }

  return {
    async reconcileUsage(userId, { dryRun }): Promise<UsageRecount> {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const raw = await readUsageItem(userId);
        const usage = raw ? usageFromItem(raw) : undefined;
        const ready = new Set<string>();
        const tokens = new Map<string, unknown>();
        let files = 0;
        let bytes = 0;
        for (const item of await fileItems(userId)) {
          const record = recordFromItem(item);
          tokens.set(record.fileId, item.replacementToken);
          // A delete under way has given back what the file held already, whether or not its record
          // is still there (the delete's first write); an announced one has not yet.
          const entry = usage?.ledger[record.fileId];
          if (entry?.state === "removing" && entry.moved) continue;
          if (record.status !== "ready") continue;
          ready.add(record.fileId);
          files += 1;
          bytes += record.size;
        }
        let reserved = 0;
        let pendingUploads = 0;
        for (const [fileId, entry] of Object.entries(usage?.ledger ?? {})) {
          if (entry.state === "reserved") {
            reserved += entry.size;
            pendingUploads += 1;
          } else if (entry.state === "removing") {
            // Not counted once moved; before, the record counts as it is (above), or, gone, nothing.
          } else if (entry.state === "replacing") {
            // The count was moved for a replacement: the record carries the entry's nonce once it
            // describes the new version (its size then holds the move); until then, the move is the entry's.
            // A record gone meanwhile holds nothing: its delete gave the file back, moved or not.
            if (tokens.has(fileId) && tokens.get(fileId) !== entry.nonce) {
              files += entry.files;
              bytes += entry.bytes;
            }
          } else if (!ready.has(fileId)) {
            files += 1;
            bytes += entry.size;
          }
        }
        const after = { files, bytes };
        const before = usage ? { files: usage.files, bytes: usage.bytes } : undefined;
        const right = usage
          ? usage.files === files && usage.bytes === bytes && usage.committed === bytes + reserved && usage.pendingUploads === pendingUploads
          : files === 0 && bytes === 0;
        const recount: UsageRecount = { after, changed: !right, ...(before ? { before } : {}) };
        if (right || dryRun) return recount;

        if (!usage) {
          const item: Item = { ...usageKey(userId), files, bytes, committed: bytes, pendingUploads: 0, ledger: {} };
          const put = await conditional(
            client.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": TABLE.partitionKey } })),
          );
          if (put) return recount;
          continue;
        }
        const x = new Expr();
        const set = [
          [A.files, files, usage.files],
          [A.bytes, bytes, usage.bytes],
          [A.committed, bytes + reserved, usage.committed],
          [A.pendingUploads, pendingUploads, usage.pendingUploads],
        ] as const;
        const updated = await conditional(
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: usageKey(userId),
              UpdateExpression: `SET ${set.map(([name, value]) => `${x.name(name)} = ${x.value(value)}`).join(", ")}`,
              ConditionExpression: set.map(([name, , was]) => `${x.name(name)} = ${x.value(was)}`).join(" AND "),
              ...x.params(),
            }),
          ),
        );
        if (updated) return recount;
      }
      throw new TooManyRequestsError(`The usage of ${userId} kept changing while it was recounted; try again.`);
    },

    async countUserRecords(userId) {
      const [items, usage] = await Promise.all([fileItems(userId), readUsageItem(userId)]);
      return { records: items.length, usage: usage !== undefined };
    },

    async removeUserRecords(userId) {
      const items = await fileItems(userId);
      const usage = await readUsageItem(userId);
      const keys = items.map((item) => ({ [TABLE.partitionKey]: item[TABLE.partitionKey], [TABLE.sortKey]: item[TABLE.sortKey] }));
      if (usage) keys.push(usageKey(userId));
      for (let i = 0; i < keys.length; i += 25) {
        let requests: Array<{ DeleteRequest: { Key: Item } }> = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        // BatchWriteItem may hand back what it did not get to (throttling): send those again, backing off.
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt >= maxAttempts) throw new TooManyRequestsError("The database is busy; the user's records were not all deleted. Run again.");
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
          const out = await call(client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } })));
          requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
      }
      return { records: items.length, usage: usage !== undefined };
    },
  };
}

/** Whether two versions are the same: same eTag and same sequencer, an absent one matching only an absent one. */
function sameVersion(a: ObjectVersion, b: ObjectVersion): boolean {
  return a.eTag === b.eTag && a.sequencer === b.sequencer;
}

/** Whether the record describes `version` (set by markReady or finishReplacement). */
function describes(record: MediaRecord, version: ObjectVersion): boolean {
  return sameVersion({ eTag: record.eTag, sequencer: record.sequencer }, version);
}

/** A pending record whose upload window (plus grace) has passed: treated as absent everywhere. */
function isDead(record: MediaRecord, now: number): boolean {
  return record.status === "pending" && record.expiresAt !== undefined && record.expiresAt * 1000 < now;
}

function toItem(record: MediaRecord): Item {
  return definedOnly({
    [TABLE.partitionKey]: keysFor.userPartition(record.userId),
    [TABLE.sortKey]: keysFor.file(record.fileId),
    [TABLE.byKindIndex.partitionKey]: keysFor.kindPartition(record.userId, record.kind),
    [TABLE.byKindIndex.sortKey]: keysFor.file(record.fileId),
    userId: record.userId,
    fileId: record.fileId,
    fileName: record.fileName,
    [A.fileNameLower]: record.fileName.toLowerCase(),
    contentType: record.contentType,
    kind: record.kind,
    size: record.size,
    status: record.status,
    uploadedAt: record.uploadedAt,
    metadata: definedOnly(record.metadata),
    description: record.description,
    tags: record.tags,
    thumbnailKey: record.thumbnailKey,
    rejectionReason: record.rejectionReason,
    [A.expiresAt]: record.expiresAt,
    sequencer: record.sequencer,
    eTag: record.eTag,
    declaredSize: record.declaredSize,
  });
}

/**
 * The attributes of a MediaRecord in its item, the only ones recordFromItem reads (and list projects):
 * keys, index keys and the search column stay in the table. A field added to MediaRecord must be added
 * here too, or list would drop it: the type check below fails until it is.
 */
const RECORD_ATTRIBUTES = [
  "userId",
  "fileId",
  "fileName",
  "contentType",
  "kind",
  "size",
  "status",
  "uploadedAt",
  "metadata",
  "description",
  "tags",
  "thumbnailKey",
  "rejectionReason",
  A.expiresAt,
  "sequencer",
  "eTag",
  "declaredSize",
] as const satisfies readonly (keyof MediaRecord)[];
type UnlistedRecordAttribute = Exclude<keyof MediaRecord, (typeof RECORD_ATTRIBUTES)[number]>;
const everyRecordAttributeListed: [UnlistedRecordAttribute] extends [never] ? true : UnlistedRecordAttribute = true;
void everyRecordAttributeListed;

/** Only the record's own attributes: keys, index keys and the search column stay in the table. */
function recordFromItem(item: Item): MediaRecord {
  const record: MediaRecord = {
    userId: String(item.userId),
    fileId: String(item.fileId),
    fileName: String(item.fileName),
    contentType: String(item.contentType),
    kind: item.kind as MediaKind,
    size: Number(item.size),
    status: item.status as MediaStatus,
    uploadedAt: String(item.uploadedAt),
    metadata: (item.metadata ?? {}) as MediaMetadata,
  };
  if (typeof item.description === "string") record.description = item.description;
  if (Array.isArray(item.tags)) record.tags = item.tags.map(String);
  if (typeof item.thumbnailKey === "string") record.thumbnailKey = item.thumbnailKey;
  if (typeof item.rejectionReason === "string") record.rejectionReason = item.rejectionReason;
  if (typeof item[A.expiresAt] === "number") record.expiresAt = item[A.expiresAt];
  if (typeof item.sequencer === "string") record.sequencer = item.sequencer;
  if (typeof item.eTag === "string") record.eTag = item.eTag;
  if (typeof item.declaredSize === "number") record.declaredSize = item.declaredSize;
  return record;
}

function usageFromItem(item: Item): UsageItem {
  const ledger: Record<string, LedgerEntry> = {};
  for (const [fileId, raw] of Object.entries((item.ledger ?? {}) as Record<string, Item>)) {
    const version = definedOnly({ eTag: typeof raw.eTag === "string" ? raw.eTag : undefined, sequencer: typeof raw.sequencer === "string" ? raw.sequencer : undefined });
    ledger[fileId] =
      raw.state === "counted"
        ? { state: "counted", size: Number(raw.size), ...version }
        : raw.state === "replacing"
          ? { state: "replacing", nonce: String(raw.nonce), files: Number(raw.files), bytes: Number(raw.bytes), ...version }
          : raw.state === "removing"
            ? { state: "removing", nonce: String(raw.nonce), moved: raw.moved === true, ...definedOnly({ files: typeof raw.files === "number" ? raw.files : undefined, bytes: typeof raw.bytes === "number" ? raw.bytes : undefined }) }
            : { state: "reserved", size: Number(raw.size), until: Number(raw.until) };
  }
  return {
    files: Number(item.files ?? 0),
    bytes: Number(item.bytes ?? 0),
    committed: Number(item.committed ?? 0),
    pendingUploads: Number(item.pendingUploads ?? 0),
    ledger,
  };
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * Placeholders for every name and value, so no expression trips over DynamoDB's reserved words
 * (`size`, `status`, `state`…) or over map keys that start with a digit (ULIDs).
 */
class Expr {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, NativeAttributeValue> = {};
  private valueCount = 0;

  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  path(...attributes: string[]): string {
    return attributes.map((a) => this.name(a)).join(".");
  }

  value(value: NativeAttributeValue): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, NativeAttributeValue> } {
    const params: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, NativeAttributeValue> } = {};
    if (this.names.size > 0) params.ExpressionAttributeNames = Object.fromEntries([...this.names].map(([attr, ph]) => [ph, attr]));
    if (this.valueCount > 0) params.ExpressionAttributeValues = this.values;
    return params;
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isConditionFailed(error: unknown): boolean {
  return errorName(error) === "ConditionalCheckFailedException";
}


/** Like call(), with a failed condition answered as undefined: the caller's "someone else got there". */
async function conditional<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await call(operation);
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw error;
  }
}
