import { CognitoError, InvalidParameter, constraintViolation } from "./cognito-errors";
import {
  associateSoftwareToken,
  changePassword,
  deleteUser,
  getUser,
  globalSignOut,
  respondToSoftwareTokenChallenge,
  revokeToken,
  setUserMfaPreference,
  updateEmail,
  verifyEmail,
  verifySoftwareToken,
} from "./self-service";
import { adminDeleteUser, adminGetUser, adminUserGlobalSignOut, listUsers, MAX_LIST_USERS } from "./admin-operations";
import type { AttributeType, UserPool } from "./user-pool";

/**
 * The Cognito Identity Provider operations this pool answers, each reading its request the way the API
 * model defines it: required members, lengths and patterns, with AWS's validation wording. Anything
 * else is `UnknownOperationException`, as from the real service for an operation it does not have.
 */
type Request = Record<string, unknown>;
type Operation = (pool: UserPool, request: Request) => Promise<unknown>;

interface Rule {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

// The API model's constraints for the members used here.
const RULES = {
  clientId: { min: 1, max: 128, pattern: /^[\w+]+$/ },
  username: { min: 1, max: 128, pattern: /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u },
  password: { max: 256, pattern: /^[\S]+.*[\S]+$/u },
  confirmationCode: { min: 1, max: 2048, pattern: /^[\S]+$/ },
  accessToken: { min: 1, pattern: /^[A-Za-z0-9\-_=.]+$/ },
  token: { min: 1, pattern: /^[A-Za-z0-9\-_=.]+$/ },
  userPoolId: { min: 1, max: 55, pattern: /^[\w-]+_[0-9a-zA-Z]+$/ },
  attributeName: { min: 1, max: 32, pattern: /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u },
  attributeValue: { max: 2048 },
  filter: { max: 256 },
  paginationToken: { min: 1, pattern: /^[\S]+$/ },
  session: { min: 20, max: 2048 },
  userCode: { min: 6, max: 6, pattern: /^[0-9]+$/ },
} satisfies Record<string, Rule>;

function text(request: Request, key: string, member: keyof typeof RULES, at = lowerFirst(key)): string {
  return check(request[key], RULES[member], at);
}

function check(value: unknown, rule: Rule, at: string): string {
  if (value === undefined || value === null) throw constraintViolation(at, "Member must not be null");
  if (typeof value !== "string") throw new CognitoError("SerializationException", `Expected a string at '${at}'`);
  const length = [...value].length;
  if (rule.min !== undefined && length < rule.min) throw constraintViolation(at, `Member must have length greater than or equal to ${rule.min}`, value);
  if (rule.max !== undefined && length > rule.max) throw constraintViolation(at, `Member must have length less than or equal to ${rule.max}`, value);
  if (rule.pattern && !rule.pattern.test(value)) throw constraintViolation(at, `Member must satisfy regular expression pattern: ${rule.pattern.source}`, value);
  return value;
}

function lowerFirst(key: string): string {
  return key.slice(0, 1).toLowerCase() + key.slice(1);
}

/** An optional string member: absent (or null) is undefined, anything present is checked like a required one. */
function optionalText(request: Request, key: string, member: keyof typeof RULES): string | undefined {
  const value = request[key];
  return value === undefined || value === null ? undefined : check(value, RULES[member], lowerFirst(key));
}

/** ListUsers' Limit: an integer from 0 to 60 (0 or absent: the default page). */
function listLimit(request: Request): number | undefined {
  const value = request.Limit;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw new CognitoError("SerializationException", "Expected an integer at 'limit'");
  if (value < 0) throw constraintViolation("limit", "Member must have value greater than or equal to 0", value);
  if (value > MAX_LIST_USERS) throw constraintViolation("limit", `Member must have value less than or equal to ${MAX_LIST_USERS}`, value);
  return value;
}

function attributeNames(request: Request): string[] | undefined {
  const list = request.AttributesToGet;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new CognitoError("SerializationException", "Expected a list at 'attributesToGet'");
  return list.map((name: unknown, index) => check(name, RULES.attributeName, `attributesToGet.${index + 1}.member`));
}

function attributes(request: Request): AttributeType[] {
  const list = request.UserAttributes;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new CognitoError("SerializationException", "Expected a list at 'userAttributes'");
  return list.map((item: unknown, index) => {
    const entry = (item ?? {}) as Request;
    const at = `userAttributes.${index + 1}.member`;
    const Name = check(entry.Name, RULES.attributeName, `${at}.name`);
    const Value = entry.Value === undefined || entry.Value === null ? "" : check(entry.Value, RULES.attributeValue, `${at}.value`);
    return { Name, Value };
  });
}

function authParameters(request: Request): Record<string, string> {
  const params = request.AuthParameters;
  if (params === undefined || params === null) return {};
  if (typeof params !== "object" || Array.isArray(params)) throw new CognitoError("SerializationException", "Expected a map at 'authParameters'");
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** A map member of string values (AuthParameters, ChallengeResponses). */
function stringMap(request: Request, key: string): Record<string, string> {
  const params = request[key];
  if (params === undefined || params === null) return {};
  if (typeof params !== "object" || Array.isArray(params)) throw new CognitoError("SerializationException", `Expected a map at '${lowerFirst(key)}'`);
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** SetUserMFAPreference's SoftwareTokenMfaSettings: `Enabled` (PreferredMfa follows it: the only factor). */
function softwareTokenSettings(request: Request): { enabled: boolean } | undefined {
  const settings = request.SoftwareTokenMfaSettings;
  if (settings === undefined || settings === null) return undefined;
  if (typeof settings !== "object" || Array.isArray(settings)) throw new CognitoError("SerializationException", "Expected a structure at 'softwareTokenMfaSettings'");
  const enabled = (settings as Request).Enabled;
  if (enabled !== undefined && typeof enabled !== "boolean") throw new CognitoError("SerializationException", "Expected a boolean at 'softwareTokenMfaSettings.enabled'");
  return { enabled: enabled === true };
}

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === "") throw InvalidParameter(`Missing required parameter ${name}`);
  return value;
}

export const OPERATIONS: Record<string, Operation> = {
  SignUp: (pool, r) =>
    pool.signUp({
      clientId: text(r, "ClientId", "clientId"),
      username: text(r, "Username", "username"),
      password: text(r, "Password", "password"),
      attributes: attributes(r),
    }),

  ConfirmSignUp: (pool, r) =>
    pool.confirmSignUp({
      clientId: text(r, "ClientId", "clientId"),
      username: text(r, "Username", "username"),
      code: text(r, "ConfirmationCode", "confirmationCode"),
    }),

  ResendConfirmationCode: (pool, r) =>
    pool.resendConfirmationCode({ clientId: text(r, "ClientId", "clientId"), username: text(r, "Username", "username") }),

  InitiateAuth: async (pool, r) => {
    const clientId = text(r, "ClientId", "clientId");
    const flow = r.AuthFlow;
    if (flow === undefined || flow === null) throw constraintViolation("authFlow", "Member must not be null");
    const params = authParameters(r);
    switch (flow) {
      case "USER_PASSWORD_AUTH":
        return pool.passwordAuth({ clientId, username: required(params, "USERNAME"), password: required(params, "PASSWORD") });
      case "REFRESH_TOKEN_AUTH":
      case "REFRESH_TOKEN":
        return pool.refreshAuth({ clientId, refreshToken: required(params, "REFRESH_TOKEN") });
      case "ADMIN_NO_SRP_AUTH":
      case "ADMIN_USER_PASSWORD_AUTH":
        throw InvalidParameter("Initiate Auth method not supported.");
      case "USER_SRP_AUTH":
      case "CUSTOM_AUTH":
      case "USER_AUTH":
        // Real Cognito has these; this local pool does not (the app uses USER_PASSWORD_AUTH).
        throw InvalidParameter(`${String(flow)} is not supported by the local user pool; use USER_PASSWORD_AUTH.`);
      default:
        throw constraintViolation("authFlow", "Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]", flow);
    }
  },

  ForgotPassword: (pool, r) => pool.forgotPassword({ clientId: text(r, "ClientId", "clientId"), username: text(r, "Username", "username") }),

  ConfirmForgotPassword: (pool, r) =>
    pool.confirmForgotPassword({
      clientId: text(r, "ClientId", "clientId"),
      username: text(r, "Username", "username"),
      code: text(r, "ConfirmationCode", "confirmationCode"),
      password: text(r, "Password", "password"),
    }),

  GlobalSignOut: (pool, r) => globalSignOut(pool, { accessToken: text(r, "AccessToken", "accessToken") }),

  RevokeToken: (pool, r) => revokeToken(pool, { token: text(r, "Token", "token"), clientId: text(r, "ClientId", "clientId") }),

  GetUser: (pool, r) => getUser(pool, { accessToken: text(r, "AccessToken", "accessToken") }),

  AdminGetUser: (pool, r) => adminGetUser(pool, { userPoolId: text(r, "UserPoolId", "userPoolId"), username: text(r, "Username", "username") }),

  AdminUserGlobalSignOut: (pool, r) =>
    adminUserGlobalSignOut(pool, { userPoolId: text(r, "UserPoolId", "userPoolId"), username: text(r, "Username", "username") }),

  AdminDeleteUser: (pool, r) => adminDeleteUser(pool, { userPoolId: text(r, "UserPoolId", "userPoolId"), username: text(r, "Username", "username") }),

  ChangePassword: (pool, r) =>
    changePassword(pool, {
      accessToken: text(r, "AccessToken", "accessToken"),
      previous: text(r, "PreviousPassword", "password"),
      proposed: text(r, "ProposedPassword", "password"),
    }),

  UpdateUserAttributes: (pool, r) => updateEmail(pool, { accessToken: text(r, "AccessToken", "accessToken"), attributes: attributes(r) }),

  VerifyUserAttribute: (pool, r) =>
    verifyEmail(pool, {
      accessToken: text(r, "AccessToken", "accessToken"),
      attributeName: text(r, "AttributeName", "attributeName"),
      code: text(r, "Code", "confirmationCode"),
    }),

  DeleteUser: (pool, r) => deleteUser(pool, { accessToken: text(r, "AccessToken", "accessToken") }),

  AssociateSoftwareToken: (pool, r) => {
    // The Session form (MFA set up during sign-in, MFA required) is not this pool's: MFA is optional here.
    if (r.AccessToken === undefined || r.AccessToken === null) throw InvalidParameter("The local user pool associates software tokens with an AccessToken only.");
    return associateSoftwareToken(pool, { accessToken: text(r, "AccessToken", "accessToken") });
  },

  VerifySoftwareToken: (pool, r) => {
    if (r.AccessToken === undefined || r.AccessToken === null) throw InvalidParameter("The local user pool verifies software tokens with an AccessToken only.");
    return verifySoftwareToken(pool, { accessToken: text(r, "AccessToken", "accessToken"), userCode: text(r, "UserCode", "userCode") });
  },

  SetUserMFAPreference: (pool, r) => {
    const softwareToken = softwareTokenSettings(r);
    return setUserMfaPreference(pool, { accessToken: text(r, "AccessToken", "accessToken"), ...(softwareToken ? { softwareToken } : {}) });
  },

  RespondToAuthChallenge: (pool, r) => {
    const clientId = text(r, "ClientId", "clientId");
    const name = r.ChallengeName;
    if (name === undefined || name === null) throw constraintViolation("challengeName", "Member must not be null");
    if (name !== "SOFTWARE_TOKEN_MFA") throw InvalidParameter(`${String(name)} is not a challenge the local user pool sets.`);
    const responses = stringMap(r, "ChallengeResponses");
    return respondToSoftwareTokenChallenge(pool, {
      clientId,
      session: text(r, "Session", "session"),
      username: required(responses, "USERNAME"),
      code: required(responses, "SOFTWARE_TOKEN_MFA_CODE"),
    });
  },

  ListUsers: (pool, r) => {
    const input: Parameters<typeof listUsers>[1] = { userPoolId: text(r, "UserPoolId", "userPoolId") };
    const filter = optionalText(r, "Filter", "filter");
    const limit = listLimit(r);
    const paginationToken = optionalText(r, "PaginationToken", "paginationToken");
    const attributesToGet = attributeNames(r);
    if (filter !== undefined) input.filter = filter;
    if (limit !== undefined) input.limit = limit;
    if (paginationToken !== undefined) input.paginationToken = paginationToken;
    if (attributesToGet !== undefined) input.attributesToGet = attributesToGet;
    return listUsers(pool, input);
  },
};

/** Operations that AWS authorises with IAM (SigV4); the others are public and carry no signature. */
export const SIGNED_OPERATIONS = new Set(["AdminGetUser", "AdminDeleteUser", "AdminUserGlobalSignOut", "ListUsers"]);
