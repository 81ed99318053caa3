import { UserNotFound } from "./cognito-errors";
import { comparePosition, decodePaginationToken, encodePaginationToken, matchesFilter, parseUserFilter } from "./list-users";
import { attributesOf, type UserPool } from "./user-pool";
import type { StoredUser } from "./user-pool-store";

/**
 * The pool's administrative operations (IAM-signed, by the functions and the operators' scripts): look a
 * user up, list them, sign them out everywhere, delete them. Each names the pool and the user by any of
 * their sign-in names, and runs alone like every operation of the pool.
 */

/** ListUsers' page size when no Limit is given, and the largest it accepts. */
export const MAX_LIST_USERS = 60;

interface UserInPool {
  userPoolId: string;
  username: string;
}

function adminUser(pool: UserPool, input: UserInPool): StoredUser {
  pool.checkPool(input.userPoolId);
  const user = pool.findUser(input.username);
  if (!user) throw UserNotFound();
  return user;
}

/** What AdminGetUser and ListUsers say of a user after its name and attributes. */
function userState(user: StoredUser) {
  return {
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.updatedAt / 1000,
    Enabled: true,
    UserStatus: user.status,
  };
}

export function adminGetUser(pool: UserPool, input: UserInPool) {
  return pool.exclusive(async () => {
    const user = adminUser(pool, input);
    return { Username: user.sub, UserAttributes: attributesOf(user), ...userState(user) };
  });
}

export function adminUserGlobalSignOut(pool: UserPool, input: UserInPool) {
  return pool.exclusive(async () => {
    pool.signOutEverywhere(adminUser(pool, input).sub);
    return {};
  });
}

export function adminDeleteUser(pool: UserPool, input: UserInPool) {
  return pool.exclusive(async () => {
    pool.forget(adminUser(pool, input).sub);
    return {};
  });
}

/**
 * ListUsers: the users matching the filter, in a stable order, `limit` (default and most 60) at a time,
 * each with the attributes asked for (all when none are named).
 */
export function listUsers(pool: UserPool, input: { userPoolId: string; filter?: string; limit?: number; paginationToken?: string; attributesToGet?: string[] }) {
  return pool.exclusive(async () => {
    pool.checkPool(input.userPoolId);
    const filter = parseUserFilter(input.filter);
    const after = input.paginationToken === undefined ? undefined : decodePaginationToken(input.paginationToken);
    const limit = input.limit || MAX_LIST_USERS;
    const matching = pool.store.state.users
      .map((user) => ({ user, position: { createdAt: user.createdAt, sub: user.sub } }))
      .filter(({ user, position }) => (!after || comparePosition(position, after) > 0) && matchesFilter(user, filter))
      .sort((a, b) => comparePosition(a.position, b.position));
    const page = matching.slice(0, limit);
    const wanted = input.attributesToGet?.length ? new Set(input.attributesToGet) : undefined;
    const Users = page.map(({ user }) => ({
      Username: user.sub,
      Attributes: attributesOf(user).filter((a) => !wanted || wanted.has(a.Name)),
      ...userState(user),
    }));
    const last = page.at(-1);
    return matching.length > limit && last ? { Users, PaginationToken: encodePaginationToken(last.position) } : { Users };
  });
}
