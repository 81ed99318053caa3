import { randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import {
  CodeMismatch,
  ExpiredCode,
  INCORRECT_CREDENTIALS,
  InvalidParameter,
  LimitExceeded,
  NotAuthorized,
  PASSWORD_ATTEMPTS_EXCEEDED,
  ResourceNotFound,
  UserNotConfirmed,
  UsernameExists,
} from "./cognito-errors";
import { allows, CODE_EMAILS, CODE_FAILURES, emptyBudget, record } from "./code-budget";
import { MfaChallenges } from "./mfa-challenges";
import type { LocalOutbox, OutboxMessage } from "./outbox";
import { burnPasswordCheck, checkPasswordPolicy, hashPassword, verifyPassword } from "./password";
import { ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, hashRefreshToken, mintTokens, newRefreshToken, verifyAccessToken, type TokenIssuer } from "./tokens";
import type { PendingCode, StoredSession, StoredUser, UserPoolStore } from "./user-pool-store";

/** How long codes live: Cognito's 24 hours for sign-up confirmation and 1 hour for password reset. */
export const CONFIRMATION_CODE_MS = 24 * 3600_000;
export const RESET_CODE_MS = 3600_000;
/**
 * Cognito's sign-in lockout: after 5 failed attempts each further failure locks the name for a time that
 * starts at 1 second and doubles, up to about 15 minutes, answered "Password attempts exceeded".
 */
export const FREE_SIGN_IN_FAILURES = 5;
const MAX_LOCKOUT_MS = 15 * 60_000;

export interface AttributeType {
  Name: string;
  Value: string;
}

export interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: "EMAIL";
  AttributeName: "email";
}

export interface AuthenticationResult {
  AccessToken: string;
  ExpiresIn: number;
  TokenType: "Bearer";
  IdToken: string;
  RefreshToken?: string;
}

export interface UserPoolDeps {
  store: UserPoolStore;
  signer: TokenIssuer;
  outbox: LocalOutbox;
  now: () => number;
  /** The time TOTP codes are checked at: `now`, except in a runtime a test moves it in (totp-test-clock.ts). */
  totpNow: () => number;
  userPoolId: string;
  clientId: string;
  /**
   * Whether `preferred_username` signs in too (an alias, unique across the pool). Real Cognito cannot
   * combine this with email as the username (UsernameAttributes and AliasAttributes exclude each other),
   * so with the Auth stack's `login: ["email"]` AWS answers such a sign-in "Incorrect username or
   * password."; false makes this pool do the same.
   */
  preferredUsernameSignIn: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The behaviour of the user pool the Auth stack configures: email as the sign-in name (and, unless turned
 * off, an optional `preferred_username` that also signs in once the account is confirmed), self sign-up
 * confirmed by an emailed code, the password policy, PreventUserExistenceErrors, token revocation. Every operation runs
 * alone (one at a time) and the state is saved before it answers.
 *
 * Here: sign-up, sign-in and its lockout, refresh, password reset. What a signed-in user does to their own
 * account is in self-service.ts; the IAM-signed administrative operations are in admin-operations.ts.
 */
export class UserPool {
  private queue: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private sent: OutboxMessage[] = [];
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  /** Sign-ins waiting for their TOTP code (RespondToAuthChallenge). */
  readonly mfaChallenges = new MfaChallenges();

  constructor(readonly deps: UserPoolDeps) {}

  get store() {
    return this.deps.store;
  }

  /** Runs one operation at a time; saves what it changed (even when it then fails) before answering. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = async () => {
      try {
        return await operation();
      } finally {
        if (this.dirty) {
          this.dirty = false;
          this.store.pruneSessions(this.deps.now(), ACCESS_TOKEN_SECONDS * 1000);
          await this.store.save();
        }
        const sent = this.sent;
        this.sent = [];
        for (const message of sent) this.deps.outbox.announce(message);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  changed(): void {
    this.dirty = true;
  }

  checkClient(clientId: string): void {
    if (clientId !== this.deps.clientId) throw ResourceNotFound(`User pool client ${clientId} does not exist.`);
  }

  checkPool(userPoolId: string): void {
    if (userPoolId !== this.deps.userPoolId) throw ResourceNotFound(`User pool ${userPoolId} does not exist.`);
  }

  /**
   * The user a sign-in name stands for: the email, the generated username (the sub), or the
   * preferred_username, which Cognito only honours as an alias once the account is confirmed.
   */
  findUser(name: string): StoredUser | undefined {
    const byUsername = this.store.userBySub(name) ?? this.store.userByEmail(name);
    if (byUsername) return byUsername;
    if (!this.deps.preferredUsernameSignIn) return undefined;
    const byAlias = this.store.userByPreferredUsername(name);
    return byAlias?.status === "CONFIRMED" ? byAlias : undefined;
  }

  /** Mail that is not the pool's own (the service's notices, through the local SES): kept and announced like a code. */
  deliver(mail: { to: string; subject: string; text: string }): Promise<OutboxMessage> {
    return this.exclusive(async () => {
      const message = this.deps.outbox.add({ to: mail.to.trim().toLowerCase(), subject: mail.subject, text: mail.text, at: new Date(this.deps.now()).toISOString() });
      this.sent.push(message);
      this.changed();
      return message;
    });
  }

  /** Emails a new code, within the account's hourly cap on code emails (code-budget.ts). */
  /**
   * Mails a code (counted against the account's budget of code emails): to confirm the sign-up, to reset
   * the password, or to verify a new email address (sent to that address, UpdateUserAttributes).
   */
  sendCode(user: StoredUser, purpose: "confirmation" | "reset" | "email"): CodeDeliveryDetails {
    const now = this.deps.now();
    const budget = (user.codes ??= emptyBudget());
    if (!allows(budget.sent, CODE_EMAILS, now)) throw LimitExceeded();
    budget.sent = record(budget.sent, CODE_EMAILS, now);
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const pending: PendingCode = { code, expiresAt: now + (purpose === "confirmation" ? CONFIRMATION_CODE_MS : RESET_CODE_MS) };
    if (purpose === "confirmation") user.confirmation = pending;
    else if (purpose === "reset") user.reset = pending;
    else user.emailChange = { ...pending, email: user.emailChange?.email ?? user.email };
    const to = purpose === "email" ? user.emailChange!.email : user.email;
    const subject = { confirmation: "Your verification code", reset: "Your password reset code", email: "Your verification code" }[purpose];
    this.sent.push(this.deps.outbox.add({ to, subject, code, at: new Date(now).toISOString() }));
    this.changed();
    return deliveryTo(to);
  }

  /**
   * Checks a code against the account's budget of wrong codes, which a new code does not restore: once
   * spent, even the right code is refused until the oldest failure leaves the window.
   */
  checkCode(user: StoredUser, pending: PendingCode | undefined, given: string): void {
    const now = this.deps.now();
    const budget = (user.codes ??= emptyBudget());
    if (!allows(budget.failed, CODE_FAILURES, now)) throw LimitExceeded();
    const a = Buffer.from(given);
    const b = Buffer.from(pending?.code ?? "");
    if (!pending || a.length !== b.length || !timingSafeEqual(a, b)) {
      budget.failed = record(budget.failed, CODE_FAILURES, now);
      this.changed();
      throw CodeMismatch();
    }
    if (now >= pending.expiresAt) throw ExpiredCode();
    budget.failed = [];
  }

  signUp(input: { clientId: string; username: string; password: string; attributes: AttributeType[] }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      if (!EMAIL.test(input.username)) throw InvalidParameter("Username should be an email.");
      const email = input.username.toLowerCase();
      let preferredUsername: string | undefined;
      for (const { Name, Value } of input.attributes) {
        if (Name === "email") {
          if (Value.toLowerCase() !== email) throw InvalidParameter("Email and username must be the same in this user pool.");
        } else if (Name === "preferred_username") {
          if (this.deps.preferredUsernameSignIn && Value.includes("@")) {
            throw InvalidParameter("preferred_username cannot be of email format, since user pool is configured for email alias.");
          }
          preferredUsername = Value;
        } else {
          throw InvalidParameter(`Attributes did not conform to the schema: ${Name}: Attribute does not exist in the schema.\n`);
        }
      }
      checkPasswordPolicy(input.password);
      if (this.store.userByEmail(email)) throw UsernameExists("An account with the given email already exists.");
      if (this.deps.preferredUsernameSignIn && preferredUsername && this.store.userByPreferredUsername(preferredUsername)) {
        throw UsernameExists("An account with the given preferred_username already exists.");
      }
      const passwordHash = await hashPassword(input.password);
      // The hash took a while; the queue guarantees nobody signed up with this email meanwhile.
      const now = this.deps.now();
      const user: StoredUser = {
        sub: randomUUID(),
        email,
        emailVerified: false,
        ...(preferredUsername ? { preferredUsername } : {}),
        passwordHash,
        status: "UNCONFIRMED",
        createdAt: now,
        updatedAt: now,
      };
      this.store.addUser(user);
      const delivery = this.sendCode(user, "confirmation");
      return { UserConfirmed: false, UserSub: user.sub, CodeDeliveryDetails: delivery };
    });
  }

  confirmSignUp(input: { clientId: string; username: string; code: string }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      const user = this.findUser(input.username);
      // PreventUserExistenceErrors: an unknown user gets the answer of a wrong code.
      if (!user) throw CodeMismatch();
      if (user.status === "CONFIRMED") throw NotAuthorized("User cannot be confirmed. Current status is CONFIRMED");
      this.checkCode(user, user.confirmation, input.code);
      user.status = "CONFIRMED";
      user.emailVerified = true;
      user.updatedAt = this.deps.now();
      delete user.confirmation;
      this.changed();
      return {};
    });
  }

  resendConfirmationCode(input: { clientId: string; username: string }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      const user = this.findUser(input.username);
      if (!user) return { CodeDeliveryDetails: deliveryTo(input.username) };
      if (user.status === "CONFIRMED") throw InvalidParameter("User is already confirmed.");
      return { CodeDeliveryDetails: this.sendCode(user, "confirmation") };
    });
  }

  passwordAuth(input: { clientId: string; username: string; password: string }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      const user = this.findUser(input.username);
      // Count failures per account, or per typed name when there is none, so both lock out alike.
      const key = user ? `user:${user.sub}` : `name:${input.username.toLowerCase()}`;
      const now = this.deps.now();
      const record = this.failures.get(key);
      if (record && now < record.lockedUntil) throw NotAuthorized(PASSWORD_ATTEMPTS_EXCEEDED);
      const ok = user ? await verifyPassword(input.password, user.passwordHash) : (await burnPasswordCheck(input.password), false);
      if (!user || !ok) {
        const count = (record?.count ?? 0) + 1;
        const lockedUntil = count >= FREE_SIGN_IN_FAILURES ? now + Math.min(1000 * 2 ** (count - FREE_SIGN_IN_FAILURES), MAX_LOCKOUT_MS) : 0;
        this.failures.set(key, { count, lockedUntil });
        throw NotAuthorized(INCORRECT_CREDENTIALS);
      }
      this.failures.delete(key);
      // Only someone who knows the password learns that the account still needs confirming.
      if (user.status !== "CONFIRMED") throw UserNotConfirmed();
      if (user.softwareToken?.enabled) return this.mfaChallenges.start(user.sub, input.clientId, now);
      return this.signIn(user, input.clientId, now);
    });
  }

  /** A new session for the user and its tokens: the end of every successful sign-in. */
  async signIn(user: StoredUser, clientId: string, now: number) {
    const refreshToken = newRefreshToken();
    const session: StoredSession = {
      originJti: randomUUID(),
      sub: user.sub,
      clientId,
      refreshTokenHash: hashRefreshToken(refreshToken),
      authTime: Math.floor(now / 1000),
      expiresAt: now + REFRESH_TOKEN_SECONDS * 1000,
    };
    this.store.addSession(session);
    this.changed();
    const tokens = await mintTokens(this.deps.signer, user, session, now);
    return authenticationResult(tokens, refreshToken);
  }

  refreshAuth(input: { clientId: string; refreshToken: string }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      const session = this.store.sessionByRefreshHash(hashRefreshToken(input.refreshToken));
      const now = this.deps.now();
      if (!session || session.clientId !== input.clientId) throw NotAuthorized("Invalid Refresh Token");
      if (session.revokedAt !== undefined) throw NotAuthorized("Refresh Token has been revoked");
      if (now >= session.expiresAt) throw NotAuthorized("Refresh Token has expired");
      const user = this.store.userBySub(session.sub);
      if (!user) throw NotAuthorized("User does not exist.");
      // A refresh keeps the sign-in's origin_jti and auth_time, and does not hand out a new refresh token.
      const tokens = await mintTokens(this.deps.signer, user, session, now);
      return authenticationResult(tokens);
    });
  }

  forgotPassword(input: { clientId: string; username: string }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      const user = this.findUser(input.username);
      // PreventUserExistenceErrors: an unknown user is answered as if the code had been sent.
      if (!user) return { CodeDeliveryDetails: deliveryTo(input.username) };
      if (!user.emailVerified) throw InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number");
      return { CodeDeliveryDetails: this.sendCode(user, "reset") };
    });
  }

  confirmForgotPassword(input: { clientId: string; username: string; code: string; password: string }) {
    return this.exclusive(async () => {
      this.checkClient(input.clientId);
      checkPasswordPolicy(input.password);
      const user = this.findUser(input.username);
      if (!user) throw CodeMismatch();
      this.checkCode(user, user.reset, input.code);
      user.passwordHash = await hashPassword(input.password);
      user.updatedAt = this.deps.now();
      delete user.reset;
      this.failures.delete(`user:${user.sub}`);
      this.changed();
      return {};
    });
  }

  /** The session an access token belongs to, refused when revoked (GlobalSignOut, RevokeToken). */
  async liveAccessToken(accessToken: string) {
    const claims = await verifyAccessToken(this.deps.signer, accessToken, this.deps.now());
    const session = this.store.sessionByOriginJti(claims.origin_jti);
    if (!session || session.revokedAt !== undefined) throw NotAuthorized("Access Token has been revoked");
    return claims;
  }

  /** Revokes every session of the user: refresh tokens, and access tokens for this pool's own API. */
  signOutEverywhere(sub: string): void {
    const now = this.deps.now();
    for (const session of this.store.sessionsOf(sub)) {
      if (session.revokedAt === undefined) session.revokedAt = now;
    }
    this.changed();
  }

  /** Removes the user with their sessions and sign-in failures (AdminDeleteUser, DeleteUser). */
  forget(sub: string): void {
    this.store.deleteUser(sub);
    this.failures.delete(`user:${sub}`);
    this.changed();
  }

  /** Forgets the failed sign-ins of a user whose password changed. */
  clearFailures(sub: string): void {
    this.failures.delete(`user:${sub}`);
  }

  /** Waits for the operation in progress, so the state on disk is final. */
  async idle(): Promise<void> {
    await this.queue;
  }
}

export function attributesOf(user: StoredUser): AttributeType[] {
  return [
    { Name: "sub", Value: user.sub },
    { Name: "email_verified", Value: String(user.emailVerified) },
    ...(user.preferredUsername ? [{ Name: "preferred_username", Value: user.preferredUsername }] : []),
    { Name: "email", Value: user.email },
  ];
}

function authenticationResult(tokens: { accessToken: string; idToken: string; expiresIn: number }, refreshToken?: string) {
  const result: AuthenticationResult = { AccessToken: tokens.accessToken, ExpiresIn: tokens.expiresIn, TokenType: "Bearer", IdToken: tokens.idToken };
  if (refreshToken) result.RefreshToken = refreshToken;
  return { ChallengeParameters: {}, AuthenticationResult: result };
}

/** Cognito shows where a code went as `a***@e***`; for an unknown user it makes the same up. */
function deliveryTo(address: string): CodeDeliveryDetails {
  const [local = "", domain = ""] = address.split("@");
  const masked = `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
  return { Destination: masked, DeliveryMedium: "EMAIL", AttributeName: "email" };
}
