import {
  AliasExists,
  CodeMismatch,
  EnableSoftwareTokenMfa,
  InvalidParameter,
  LimitExceeded,
  NotAuthorized,
  SoftwareTokenMfaNotFound,
  SoftwareTokenReused,
  Unauthorized,
  UnsupportedTokenType,
  UserNotFound,
} from "./cognito-errors";
import { allows, CODE_FAILURES, emptyBudget, record } from "./code-budget";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "./password";
import { checkSoftwareTokenCode, newSoftwareToken } from "./software-token";
import { hashRefreshToken } from "./tokens";
import { attributesOf, type UserPool } from "./user-pool";
import type { StoredUser } from "./user-pool-store";

/**
 * What a signed-in user does to their own account with their access token (Cognito's public API, no
 * IAM): read it, sign out everywhere or revoke a refresh token, change the password, set up TOTP MFA,
 * answer the MFA challenge of a sign-in, delete the account.
 * Wrong TOTP codes spend the same per-account budget as wrong emailed codes (code-budget.ts).
 */
async function signedInUser(pool: UserPool, accessToken: string): Promise<StoredUser> {
  const claims = await pool.liveAccessToken(accessToken);
  const user = pool.store.userBySub(claims.sub);
  if (!user) throw UserNotFound();
  return user;
}

/** A TOTP code checked against the user's token and the account's budget of wrong codes. */
async function checkTotp(pool: UserPool, user: StoredUser, code: string, wrong: () => Error): Promise<void> {
  const now = pool.deps.now();
  const budget = (user.codes ??= emptyBudget());
  if (!allows(budget.failed, CODE_FAILURES, now)) throw LimitExceeded();
  const token = user.softwareToken;
  if (!token) throw SoftwareTokenMfaNotFound();
  const result = await checkSoftwareTokenCode(token, code, pool.deps.totpNow());
  pool.changed();
  if (result === "reused") throw SoftwareTokenReused();
  if (result === "wrong") {
    budget.failed = record(budget.failed, CODE_FAILURES, now);
    throw wrong();
  }
}

export function getUser(pool: UserPool, input: { accessToken: string }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    const mfa = user.softwareToken?.enabled ? { UserMFASettingList: ["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting: "SOFTWARE_TOKEN_MFA" } : {};
    return { Username: user.sub, UserAttributes: attributesOf(user), ...mfa };
  });
}

/** Signs the user out of every device: every refresh token and access token of theirs stops working. */
export function globalSignOut(pool: UserPool, input: { accessToken: string }) {
  return pool.exclusive(async () => {
    const claims = await pool.liveAccessToken(input.accessToken);
    pool.signOutEverywhere(claims.sub);
    return {};
  });
}

/** Revokes one refresh token (and the access tokens minted from it), for the client it was issued to. */
export function revokeToken(pool: UserPool, input: { clientId: string; token: string }) {
  return pool.exclusive(async () => {
    pool.checkClient(input.clientId);
    // Only refresh tokens can be revoked; a JWT (an access or id token) is the wrong kind.
    if (input.token.split(".").length === 3) throw UnsupportedTokenType();
    const session = pool.store.sessionByRefreshHash(hashRefreshToken(input.token));
    // As in OAuth token revocation (RFC 7009), an unknown or already revoked token is not an error.
    if (!session) return {};
    if (session.clientId !== input.clientId) throw Unauthorized("The token was not issued to this client.");
    if (session.revokedAt === undefined) {
      session.revokedAt = pool.deps.now();
      pool.changed();
    }
    return {};
  });
}

export function changePassword(pool: UserPool, input: { accessToken: string; previous: string; proposed: string }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    if (!(await verifyPassword(input.previous, user.passwordHash))) throw NotAuthorized("Incorrect username or password.");
    checkPasswordPolicy(input.proposed);
    user.passwordHash = await hashPassword(input.proposed);
    user.updatedAt = pool.deps.now();
    pool.clearFailures(user.sub);
    pool.changed();
    return {};
  });
}

export function deleteUser(pool: UserPool, input: { accessToken: string }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    pool.forget(user.sub);
    return {};
  });
}

/** A new secret each time: until it is verified, sign-in is unchanged; once verified it replaces the old one. */
export function associateSoftwareToken(pool: UserPool, input: { accessToken: string }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    const fresh = newSoftwareToken();
    // An enabled token keeps working until the new one is verified (Cognito keeps MFA on meanwhile).
    user.pendingSoftwareToken = fresh;
    pool.changed();
    return { SecretCode: fresh.secret };
  });
}

export function verifySoftwareToken(pool: UserPool, input: { accessToken: string; userCode: string }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    const candidate = user.pendingSoftwareToken ?? user.softwareToken;
    if (!candidate) throw InvalidParameter("User has not associated a software token.");
    const current = user.softwareToken;
    user.softwareToken = candidate;
    try {
      await checkTotp(pool, user, input.userCode, EnableSoftwareTokenMfa);
    } catch (error) {
      if (current) user.softwareToken = current;
      else delete user.softwareToken;
      throw error;
    }
    candidate.verified = true;
    candidate.enabled = current?.enabled ?? false;
    delete user.pendingSoftwareToken;
    pool.changed();
    return { Status: "SUCCESS" };
  });
}

export function setUserMfaPreference(pool: UserPool, input: { accessToken: string; softwareToken?: { enabled: boolean } }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    if (!input.softwareToken) return {};
    if (input.softwareToken.enabled && !user.softwareToken?.verified) throw InvalidParameter("User has not verified software token mfa");
    if (user.softwareToken) user.softwareToken.enabled = input.softwareToken.enabled;
    pool.changed();
    return {};
  });
}

export function respondToSoftwareTokenChallenge(pool: UserPool, input: { clientId: string; session: string; username: string; code: string }) {
  return pool.exclusive(async () => {
    pool.checkClient(input.clientId);
    const now = pool.deps.now();
    const challenge = pool.mfaChallenges.find(input.session, now);
    if (!challenge || challenge.clientId !== input.clientId) throw NotAuthorized("Invalid session for the user, session is expired.");
    const user = pool.store.userBySub(challenge.sub);
    // The username must name the session's user (the sub, or the email it signed in with).
    if (!user || (input.username !== user.sub && input.username.toLowerCase() !== user.email)) throw NotAuthorized("Invalid session for the user.");
    await checkTotp(pool, user, input.code, CodeMismatch);
    pool.mfaChallenges.end(input.session);
    return pool.signIn(user, input.clientId, now);
  });
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A new email: a code goes to the new address, and sign-in keeps the old one until the code comes back
 * (Cognito with keepOriginal for email). An address another account holds is refused at once.
 */
export function updateEmail(pool: UserPool, input: { accessToken: string; attributes: Array<{ Name: string; Value: string }> }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    const email = input.attributes.find((a) => a.Name === "email")?.Value.toLowerCase();
    const others = input.attributes.filter((a) => a.Name !== "email");
    if (others.length) throw InvalidParameter(`The local user pool changes only email; got ${others.map((a) => a.Name).join(", ")}.`);
    if (email === undefined) return { CodeDeliveryDetailsList: [] };
    if (!EMAIL.test(email)) throw InvalidParameter("Invalid email address format.");
    if (email === user.email) return { CodeDeliveryDetailsList: [] };
    if (pool.store.userByEmail(email)) throw AliasExists();
    user.emailChange = { email, code: "", expiresAt: 0 };
    return { CodeDeliveryDetailsList: [pool.sendCode(user, "email")] };
  });
}

export function verifyEmail(pool: UserPool, input: { accessToken: string; attributeName: string; code: string }) {
  return pool.exclusive(async () => {
    const user = await signedInUser(pool, input.accessToken);
    if (input.attributeName !== "email") throw InvalidParameter("The local user pool verifies email only.");
    pool.checkCode(user, user.emailChange, input.code);
    const email = user.emailChange!.email;
    // Taken meanwhile by a sign-up: the address cannot move to this account.
    if (pool.store.userByEmail(email)) throw AliasExists();
    user.email = email;
    user.emailVerified = true;
    user.updatedAt = pool.deps.now();
    delete user.emailChange;
    pool.changed();
    return {};
  });
}
