import { join } from "node:path";
import { readJsonFile, writeFileAtomic } from "./atomic-file";
import type { CodeBudget } from "./code-budget";
import type { OutboxMessage } from "./outbox";
import type { SoftwareToken } from "./software-token";

/** A code sent by email: to confirm the sign-up or to reset the password. */
export interface PendingCode {
  code: string;
  expiresAt: number;
}

export type UserStatus = "UNCONFIRMED" | "CONFIRMED";

/**
 * A user of a pool whose sign-in name is the email (UsernameAttributes: email). Cognito then gives the
 * user a generated username, which is the `sub`; the email and the optional `preferred_username` are
 * what people type to sign in.
 */
export interface StoredUser {
  sub: string;
  email: string;
  emailVerified: boolean;
  preferredUsername?: string;
  passwordHash: string;
  status: UserStatus;
  createdAt: number;
  updatedAt: number;
  confirmation?: PendingCode;
  reset?: PendingCode;
  /**
   * A new email waiting for its code (UpdateUserAttributes): the pool keeps the original address for
   * sign-in until VerifyUserAttribute proves the new one (the Auth stack's keepOriginal: email).
   */
  emailChange?: PendingCode & { email: string };
  /** The account's code emails and wrong codes of the last hour (absent until the first code). */
  codes?: CodeBudget;
  /** The TOTP secret once AssociateSoftwareToken handed one out (software-token.ts). */
  softwareToken?: SoftwareToken;
  /** A secret handed out and not yet verified; it replaces `softwareToken` once verified. */
  pendingSoftwareToken?: SoftwareToken;
}

/**
 * One sign-in and everything minted from it: the refresh token (kept only as a hash) and, through the
 * `origin_jti` claim, every access token. Revoking the session is how RevokeToken and GlobalSignOut make
 * those tokens useless to Cognito's own API.
 */
export interface StoredSession {
  originJti: string;
  sub: string;
  clientId: string;
  refreshTokenHash: string;
  authTime: number;
  expiresAt: number;
  revokedAt?: number;
}

export interface PoolState {
  version: 1;
  region: string;
  userPoolId: string;
  clientId: string;
  users: StoredUser[];
  sessions: StoredSession[];
  outbox: OutboxMessage[];
}

const FILE = "cognito.json";

export class UserPoolStore {
  private constructor(
    private readonly path: string,
    readonly state: PoolState,
  ) {}

  /**
   * Opens the pool kept in `dataDir`, or creates it. A data directory holds one pool: asking for another
   * pool or client id than the one stored is refused rather than silently mixing accounts.
   */
  static async open(dataDir: string, ids: { region: string; userPoolId: string; clientId: string }): Promise<UserPoolStore> {
    const path = join(dataDir, FILE);
    const stored = (await readJsonFile(path)) as PoolState | undefined;
    if (stored) {
      if (stored.version !== 1 || !Array.isArray(stored.users) || !Array.isArray(stored.sessions)) {
        throw new Error(`${path} is not a local Cognito pool (version 1)`);
      }
      for (const key of ["region", "userPoolId", "clientId"] as const) {
        if (stored[key] !== ids[key]) {
          throw new Error(`${path} holds ${key} ${stored[key]}, but ${ids[key]} was asked for; use another data directory or the stored id`);
        }
      }
      stored.outbox ??= [];
      return new UserPoolStore(path, stored);
    }
    const store = new UserPoolStore(path, { version: 1, ...ids, users: [], sessions: [], outbox: [] });
    await store.save();
    return store;
  }

  /** The ids kept in `dataDir`, if a pool is there already. */
  static async storedIds(dataDir: string): Promise<{ region: string; userPoolId: string; clientId: string } | undefined> {
    const stored = (await readJsonFile(join(dataDir, FILE))) as PoolState | undefined;
    return stored ? { region: stored.region, userPoolId: stored.userPoolId, clientId: stored.clientId } : undefined;
  }

  async save(): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(this.state), 0o600);
  }

  userBySub(sub: string): StoredUser | undefined {
    return this.state.users.find((u) => u.sub === sub);
  }

  userByEmail(email: string): StoredUser | undefined {
    const wanted = email.toLowerCase();
    return this.state.users.find((u) => u.email === wanted);
  }

  userByPreferredUsername(name: string): StoredUser | undefined {
    const wanted = name.toLowerCase();
    return this.state.users.find((u) => u.preferredUsername?.toLowerCase() === wanted);
  }

  addUser(user: StoredUser): void {
    this.state.users.push(user);
  }

  deleteUser(sub: string): void {
    this.state.users = this.state.users.filter((u) => u.sub !== sub);
    this.state.sessions = this.state.sessions.filter((s) => s.sub !== sub);
  }

  addSession(session: StoredSession): void {
    this.state.sessions.push(session);
  }

  sessionByRefreshHash(hash: string): StoredSession | undefined {
    return this.state.sessions.find((s) => s.refreshTokenHash === hash);
  }

  sessionByOriginJti(originJti: string): StoredSession | undefined {
    return this.state.sessions.find((s) => s.originJti === originJti);
  }

  sessionsOf(sub: string): StoredSession[] {
    return this.state.sessions.filter((s) => s.sub === sub);
  }

  /**
   * Forgets sessions nothing can use any more: past their refresh token's expiry, or revoked, once the
   * last access token minted from them (1 hour at most) has expired too.
   */
  pruneSessions(now: number, accessTokenMs: number): void {
    this.state.sessions = this.state.sessions.filter(
      (s) => now < s.expiresAt + accessTokenMs && (s.revokedAt === undefined || now < s.revokedAt + accessTokenMs),
    );
  }
}
