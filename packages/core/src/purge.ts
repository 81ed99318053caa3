import { DERIVED_PREFIX, isUserId, ORIGINALS_PREFIX } from "./keys";
import type { ObjectStorage } from "./ports";

/**
 * Deletes everything of one user (`npm run purge-user -- <sub>`): their sign-in account, share links,
 * originals (`users/{sub}/`), derived files (`derived/{sub}/`), file records and usage item.
 *
 * The order is chosen so that an interrupted run leaves nothing reachable and the next run finishes
 * the job: the account goes first (no new sign-in, no new upload policy once current access tokens
 * expire), then the share links (the only way in without an account), then the bytes, and the records
 * last. Every step deletes what it finds and tolerates what is already gone, so a second run reports
 * nothing left.
 */
export interface UserAccounts {
  accountExists(userId: string): Promise<boolean>;
  /** true when an account was deleted, false when there was none. */
  deleteAccount(userId: string): Promise<boolean>;
}

export interface UserShares {
  countUserShares(userId: string): Promise<number>;
  /** Removes every share link of the user (public lookups first); returns how many there were. */
  revokeAllForUser(userId: string): Promise<number>;
}

export interface UserRecords {
  countUserRecords(userId: string): Promise<{ records: number; usage: boolean }>;
  /** Removes every file record and the usage item of the user; returns what was removed. */
  removeUserRecords(userId: string): Promise<{ records: number; usage: boolean }>;
}

/** The user's session cut (sessions.ts), retired once no token signed in before it can still be valid. */
export interface UserSessions {
  retire(userId: string, at: number): Promise<void>;
}

export interface PurgeDeps {
  storage: ObjectStorage;
  /**
   * Deletes the sign-in account first. Absent when the caller deletes it itself, after the data: a
   * person deleting their own account (account-deletion.ts) must be able to sign in and repeat it.
   */
  accounts?: UserAccounts;
  shares: UserShares;
  records: UserRecords;
  /** Absent in dry runs' callers that have no table access to sessions; the purge then leaves the cut. */
  sessions?: UserSessions;
  clock?: { now(): number };
}

export interface PurgeSummary {
  userId: string;
  account: boolean;
  shares: number;
  originals: number;
  derived: number;
  records: number;
  usage: boolean;
  dryRun: boolean;
}

export interface PurgeHooks {
  /** The number of steps (one per object, link, record, the account and the usage item) once known. */
  onPlanned?: (summary: PurgeSummary) => void;
  /** `count` steps done. */
  onProgress?: (count: number) => void;
  onLine?: (line: string) => void;
}

export function nothingLeft(summary: PurgeSummary): boolean {
  return !summary.account && summary.shares === 0 && summary.originals === 0 && summary.derived === 0 && summary.records === 0 && !summary.usage;
}

export function purgeSteps(summary: PurgeSummary): number {
  return Number(summary.account) + summary.shares + summary.originals + summary.derived + summary.records + Number(summary.usage);
}

export async function purgeUser(deps: PurgeDeps, userId: string, options: { dryRun: boolean } & PurgeHooks): Promise<PurgeSummary> {
  // Checked here as well as by the CLI: the sub becomes an object prefix, and "" or "a/.." must never widen it.
  if (!isUserId(userId)) throw new Error(`not a user id (a Cognito sub, a UUID): ${JSON.stringify(userId)}`);
  const originalsPrefix = `${ORIGINALS_PREFIX}${userId}/`;
  const derivedPrefix = `${DERIVED_PREFIX}${userId}/`;
  const [account, shares, originals, derived, records] = await Promise.all([
    deps.accounts ? deps.accounts.accountExists(userId) : Promise.resolve(false),
    deps.shares.countUserShares(userId),
    listKeys(deps.storage, originalsPrefix),
    listKeys(deps.storage, derivedPrefix),
    deps.records.countUserRecords(userId),
  ]);
  const plan: PurgeSummary = {
    userId,
    account,
    shares,
    originals: originals.length,
    derived: derived.length,
    records: records.records,
    usage: records.usage,
    dryRun: options.dryRun,
  };
  options.onPlanned?.(plan);
  const verb = options.dryRun ? "would delete" : "deleting";
  if (plan.account) options.onLine?.(`${verb} the account ${userId}`);
  if (plan.shares) options.onLine?.(`${verb} ${plan.shares} share link(s)`);
  if (plan.originals) options.onLine?.(`${verb} ${plan.originals} original(s) under ${originalsPrefix}`);
  if (plan.derived) options.onLine?.(`${verb} ${plan.derived} derived file(s) under ${derivedPrefix}`);
  if (plan.records) options.onLine?.(`${verb} ${plan.records} file record(s)`);
  if (plan.usage) options.onLine?.(`${verb} the usage item`);
  if (options.dryRun) return plan;

  const done: PurgeSummary = { ...plan, account: false, shares: 0, originals: 0, derived: 0, records: 0, usage: false };
  if (plan.account && deps.accounts) {
    done.account = await deps.accounts.deleteAccount(userId);
    options.onProgress?.(1);
  }
  if (plan.shares) {
    done.shares = await deps.shares.revokeAllForUser(userId);
    options.onProgress?.(plan.shares);
  }
  done.originals = await removeAll(deps.storage, originalsPrefix, originals, options.onProgress);
  done.derived = await removeAll(deps.storage, derivedPrefix, derived, options.onProgress);
  const removed = await deps.records.removeUserRecords(userId);
  done.records = removed.records;
  done.usage = removed.usage;
  options.onProgress?.(removed.records + Number(removed.usage));
  // Last: a token signed in before the purge stays refused until it has expired, then the cut goes too.
  await deps.sessions?.retire(userId, (deps.clock ?? Date).now());
  return done;
}

async function listKeys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let continuation: string | undefined;
  do {
    const page = await storage.list({ prefix, ...(continuation ? { continuation } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    continuation = page.next;
  } while (continuation);
  return keys;
}

/** Deletes the listed keys in batches, then whatever appeared under the prefix meanwhile (an upload in flight). */
async function removeAll(storage: ObjectStorage, prefix: string, keys: string[], onProgress?: (count: number) => void): Promise<number> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    await storage.remove(batch);
    onProgress?.(batch.length);
  }
  const late = await listKeys(storage, prefix);
  if (late.length) await storage.remove(late);
  return keys.length + late.length;
}
