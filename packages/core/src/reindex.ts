import { AppError } from "./errors";
import { acceptFileName } from "./file-name";
import { fileIdTime } from "./ids";
import { encodeEventKey, ORIGINALS_PREFIX, parseOriginalKey } from "./keys";
import { indexObject, type IndexDeps, type IndexOutcome } from "./indexing";
import type { S3EventRecord } from "./s3-notification";
import { PENDING_GRACE_SECONDS } from "./limits";
import type { MediaRecord } from "./media-record";
import { acceptContentType, fileExtensionOf } from "./media-types";
import type { StoredObject } from "./ports";
import { requestOwedRenditions, type RenditionBackfill } from "./renditions/backfill";
import type { RenditionQueue } from "./renditions/ports";

/**
 * Rebuilds the table from the bucket (`npm run reindex`), for a table that was lost or corrupted.
 *
 * Every original under `users/` is looked at once:
 * - its record exists and is ready or rejected: left alone (the table knows more than the bucket: a
 *   rename, a description, tags), unless a ready record's size is not the object's: then the record
 *   describes other bytes than the stored ones (corrupted, or the object was replaced), and the object
 *   is indexed again, keeping the record's name, description and tags;
 * - its record is pending: the upload arrived but was never indexed (its event was lost), so it is
 *   indexed now;
 * - it has no record: a pending record is written as the upload would have written it (owner and file
 *   from the key, upload time from the ULID, type from the stored Content-Type, name from the object's
 *   metadata or, for objects uploaded before the name was stored, `{fileId}.{ext}`), and then the real
 *   indexing runs on it, fed a synthetic S3 event record: content checked, metadata and thumbnail made,
 *   disguised files rejected (and deleted), usage counted once, exactly as for a live upload.
 * Then each owner's usage is recomputed from their records, which also repairs a usage item that had
 * drifted. Running it again changes nothing: every record exists by then and every usage is right.
 *
 * The rebuilt records are not announced on SNS (a rebuild is not a new upload; subscribers would take
 * them for one), which is why `events` is the caller's to give. Their renditions are asked for on the
 * renditions queue itself instead (`renditions`, when given): for every ready file that owes some, rebuilt
 * or not (files from before renditions existed get theirs too), once (see renditions/backfill.ts).
 */
export interface UsageTotals {
  files: number;
  bytes: number;
}

export interface UsageRecount {
  /** What the usage item said (undefined when there was none). */
  before?: UsageTotals;
  /** What the records say. */
  after: UsageTotals;
  changed: boolean;
}

/** Recomputes a user's usage from their records (the adapter makes the write safe against live changes). */
export interface UsageReconciler {
  reconcileUsage(userId: string, options: { dryRun: boolean }): Promise<UsageRecount>;
}

export interface ReindexDeps extends IndexDeps {
  usage: UsageReconciler;
  /** Where owed renditions are requested; without it none are. */
  renditions?: RenditionQueue;
}

export type RenditionItem = { key: string; action: RenditionBackfill } | { key: string; action: "failed"; error: string };

export type ReindexItem =
  | { key: string; action: "kept"; status: string }
  | { key: string; action: "rebuilt" | "would-rebuild"; fileName: string; nameFromObject: boolean; outcome?: IndexOutcome }
  | { key: string; action: "indexed" | "would-index"; outcome?: IndexOutcome }
  | { key: string; action: "repaired" | "would-repair"; reason: string; outcome?: IndexOutcome }
  | { key: string; action: "ignored"; reason: string }
  | { key: string; action: "failed"; error: string };

export interface ReindexOptions {
  dryRun: boolean;
  /** Only this owner's objects (a sub). */
  userId?: string;
  /** Objects per listing request. */
  pageSize?: number;
  /** Called once the listing is complete, with the number of objects to look at. */
  onListed?: (total: number) => void;
  onItem?: (item: ReindexItem) => void;
  onUsage?: (userId: string, recount: UsageRecount) => void;
  /** A file whose renditions were (or would be) requested, or whose request failed. */
  onRenditions?: (item: RenditionItem) => void;
}

export interface ReindexSummary {
  objects: number;
  kept: number;
  /** Records written (or that would be), by outcome. */
  rebuilt: number;
  rebuiltReady: number;
  rebuiltRejected: number;
  /** Rebuilt with a name made up from the fileId, because the object did not carry one. */
  fallbackNames: number;
  /** Pending records whose object was indexed now. */
  indexedPending: number;
  /** Ready records that did not match their object, indexed again. */
  repaired: number;
  ignored: number;
  failed: number;
  /** Ready files whose renditions were requested (or would be), and those whose request was waiting already. */
  renditionsQueued: number;
  renditionsAlreadyQueued: number;
  usageChecked: number;
  usageChanged: number;
  dryRun: boolean;
}

export async function reindex(deps: ReindexDeps, options: ReindexOptions): Promise<ReindexSummary> {
  const summary: ReindexSummary = {
    objects: 0,
    kept: 0,
    rebuilt: 0,
    rebuiltReady: 0,
    rebuiltRejected: 0,
    fallbackNames: 0,
    indexedPending: 0,
    repaired: 0,
    ignored: 0,
    failed: 0,
    renditionsQueued: 0,
    renditionsAlreadyQueued: 0,
    usageChecked: 0,
    usageChanged: 0,
    dryRun: options.dryRun,
  };
  // Listed in full first, so the progress has a total (keys are small: a million objects is ~100 MB at most).
  const objects = await listAll(deps, options.userId ? `${ORIGINALS_PREFIX}${options.userId}/` : ORIGINALS_PREFIX, options.pageSize);
  summary.objects = objects.length;
  options.onListed?.(objects.length);

  const owners = new Set<string>();
  for (const object of objects) {
    let item: ReindexItem;
    try {
      item = await reindexObject(deps, object, options.dryRun, owners);
    } catch (error) {
      item = { key: object.key, action: "failed", error: describe(error) };
    }
    count(summary, item);
    options.onItem?.(item);
    if (deps.renditions && item.action !== "failed" && item.action !== "ignored") await backfill(deps, deps.renditions, object.key, options, summary);
  }

  for (const userId of [...owners].sort()) {
    const recount = await deps.usage.reconcileUsage(userId, { dryRun: options.dryRun });
    summary.usageChecked += 1;
    if (recount.changed) summary.usageChanged += 1;
    options.onUsage?.(userId, recount);
  }
  return summary;
}

async function backfill(deps: ReindexDeps, renditions: RenditionQueue, key: string, options: ReindexOptions, summary: ReindexSummary): Promise<void> {
  const owner = parseOriginalKey(key);
  if (!owner) return;
  let item: RenditionItem;
  try {
    const action = await requestOwedRenditions({ repo: deps.repo, renditions }, owner.userId, owner.fileId, options.dryRun);
    if (!action) return;
    item = { key, action };
    if (action === "already-queued") summary.renditionsAlreadyQueued += 1;
    else summary.renditionsQueued += 1;
  } catch (error) {
    item = { key, action: "failed", error: describe(error) };
    summary.failed += 1;
  }
  options.onRenditions?.(item);
}

async function listAll(deps: ReindexDeps, prefix: string, pageSize: number | undefined): Promise<StoredObject[]> {
  const all: StoredObject[] = [];
  let continuation: string | undefined;
  do {
    const page = await deps.storage.list({ prefix, ...(continuation ? { continuation } : {}), ...(pageSize ? { limit: pageSize } : {}) });
    all.push(...page.objects);
    continuation = page.next;
  } while (continuation);
  return all;
}

async function reindexObject(deps: ReindexDeps, object: StoredObject, dryRun: boolean, owners: Set<string>): Promise<ReindexItem> {
  const { key } = object;
  const owner = parseOriginalKey(key);
  if (!owner) return { key, action: "ignored", reason: "not an original's key (users/{sub}/{fileId})" };
  const { userId, fileId } = owner;
  owners.add(userId);

  const existing = await deps.repo.get(userId, fileId);
  if (existing?.status === "ready" && existing.size !== object.size) {
    const reason = `the record says ${existing.size} bytes, the object has ${object.size}`;
    if (dryRun) return { key, action: "would-repair", reason };
    return { key, action: "repaired", reason, outcome: await reindexReady(deps, existing, key) };
  }
  if (existing && existing.status !== "pending") return { key, action: "kept", status: existing.status };
  if (existing) {
    if (dryRun) return { key, action: "would-index" };
    return { key, action: "indexed", outcome: await indexObject(deps, syntheticEvent(key, object.size)) };
  }

  const head = await deps.storage.head(key);
  if (!head) return { key, action: "ignored", reason: "the object went away while listing" };
  let accepted: ReturnType<typeof acceptContentType>;
  try {
    accepted = acceptContentType(head.contentType ?? "");
  } catch (error) {
    // Not a type we hand out policies for: no upload of ours stored it. Left for the operator to look at.
    return { key, action: "ignored", reason: `stored as ${head.contentType ?? "no Content-Type"}: ${describe(error)}` };
  }
  const stored = storedName(head.fileName);
  const fileName = stored ?? fallbackFileName(fileId, accepted.contentType);
  const nameFromObject = stored !== undefined;
  if (dryRun) return { key, action: "would-rebuild", fileName, nameFromObject };

  const now = deps.clock.now();
  const record: MediaRecord = {
    userId,
    fileId,
    fileName,
    contentType: accepted.contentType,
    kind: accepted.kind,
    size: head.size,
    status: "pending",
    uploadedAt: new Date(fileIdTime(fileId)).toISOString(),
    metadata: {},
    // Alive long enough for the indexing that follows at once; the indexer removes it on ready or rejected.
    expiresAt: Math.ceil(now / 1000) + PENDING_GRACE_SECONDS,
  };
  // The bytes are already stored: the quota was checked when they were uploaded, and refusing to
  // rebuild a record now would only hide a file its owner has. Hence no limit here.
  await deps.repo.createPending(record, Number.MAX_SAFE_INTEGER, now);
  const outcome = await indexObject(deps, syntheticEvent(key, head.size));
  return { key, action: "rebuilt", fileName, nameFromObject, outcome };
}

/**
 * A ready record that does not describe its object: removed (which gives its usage back), written again
 * as pending with what only the table knew (name, upload time, description, tags), and indexed from the
 * object as it is now, which rejects it if it is not what its type says.
 */
async function reindexReady(deps: ReindexDeps, existing: MediaRecord, key: string): Promise<IndexOutcome> {
  const head = await deps.storage.head(key);
  if (!head) return { outcome: "skipped", reason: "the object went away meanwhile" };
  await deps.repo.remove(existing.userId, existing.fileId);
  const now = deps.clock.now();
  const record: MediaRecord = {
    userId: existing.userId,
    fileId: existing.fileId,
    fileName: existing.fileName,
    contentType: existing.contentType,
    kind: existing.kind,
    size: head.size,
    status: "pending",
    uploadedAt: existing.uploadedAt,
    metadata: {},
    expiresAt: Math.ceil(now / 1000) + PENDING_GRACE_SECONDS,
  };
  await deps.repo.createPending(record, Number.MAX_SAFE_INTEGER, now);
  const outcome = await indexObject(deps, syntheticEvent(key, head.size));
  if (existing.description !== undefined || existing.tags !== undefined) {
    await deps.repo.update(existing.userId, existing.fileId, {
      ...(existing.description !== undefined ? { description: existing.description } : {}),
      ...(existing.tags !== undefined ? { tags: existing.tags } : {}),
    });
  }
  return outcome;
}

/** What S3 would have put on the queue for this object (the indexer reads the key and size; no sequencer is known). */
export function syntheticEvent(key: string, size: number): S3EventRecord {
  return { eventName: "ObjectCreated:Post", s3: { bucket: { name: "reindex" }, object: { key: encodeEventKey(key), size } } };
}

function storedName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return acceptFileName(raw);
  } catch {
    return undefined;
  }
}

/** The name of a file whose object does not carry its name (uploaded before it was stored): `{fileId}.{ext}`. */
export function fallbackFileName(fileId: string, contentType: string): string {
  const ext = fileExtensionOf(contentType);
  return ext ? `${fileId}.${ext}` : fileId;
}

function count(summary: ReindexSummary, item: ReindexItem): void {
  switch (item.action) {
    case "kept":
      summary.kept += 1;
      return;
    case "rebuilt":
    case "would-rebuild":
      summary.rebuilt += 1;
      if (!item.nameFromObject) summary.fallbackNames += 1;
      if (item.outcome?.outcome === "ready") summary.rebuiltReady += 1;
      if (item.outcome?.outcome === "rejected") summary.rebuiltRejected += 1;
      return;
    case "indexed":
    case "would-index":
      summary.indexedPending += 1;
      return;
    case "repaired":
    case "would-repair":
      summary.repaired += 1;
      return;
    case "ignored":
      summary.ignored += 1;
      return;
    case "failed":
      summary.failed += 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** One line per item, for the scripts' listings. */
export function formatReindexItem(item: ReindexItem): string {
  switch (item.action) {
    case "kept":
      return `kept      ${item.key} (${item.status})`;
    case "would-rebuild":
    case "rebuilt": {
      const name = item.nameFromObject ? `"${item.fileName}"` : `"${item.fileName}" (no name stored with the object: made up from the fileId)`;
      const outcome = item.outcome ? ` → ${formatOutcome(item.outcome)}` : "";
      return `${item.action === "rebuilt" ? "rebuilt  " : "would rebuild"} ${item.key} ${name}${outcome}`;
    }
    case "indexed":
    case "would-index":
      return `${item.action === "indexed" ? "indexed  " : "would index"} ${item.key} (its record was pending)${item.outcome ? ` → ${formatOutcome(item.outcome)}` : ""}`;
    case "repaired":
    case "would-repair":
      return `${item.action === "repaired" ? "repaired " : "would repair"} ${item.key} (${item.reason})${item.outcome ? ` → ${formatOutcome(item.outcome)}` : ""}`;
    case "ignored":
      return `ignored   ${item.key}: ${item.reason}`;
    case "failed":
      return `FAILED    ${item.key}: ${item.error}`;
  }
}

export function formatRenditionItem(item: RenditionItem): string {
  switch (item.action) {
    case "queued":
      return `renditions queued ${item.key}`;
    case "would-queue":
      return `renditions would be queued ${item.key}`;
    case "already-queued":
      return `renditions already queued ${item.key}`;
    case "failed":
      return `FAILED    ${item.key}: renditions not queued: ${item.error}`;
  }
}

function formatOutcome(outcome: IndexOutcome): string {
  if (outcome.outcome === "ready") return outcome.thumbnail ? "ready (thumbnail made)" : "ready";
  return `${outcome.outcome}: ${outcome.reason}`;
}
