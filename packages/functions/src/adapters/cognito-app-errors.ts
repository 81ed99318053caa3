import { describePasswordPolicy } from "@media/core/password-policy";
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
  type AppError,
} from "@media/core/errors";

/**
 * Cognito's exceptions as this service's errors, with messages written for its clients: the same refusal
 * for a wrong password and an unknown account, a `Retry-After` for every limit, and an InternalError, whose
 * cause is logged and never shown, for anything else.
 */

export const INVALID_CREDENTIALS_MESSAGE = "Incorrect email, username or password.";
/**
 * `Retry-After` for Cognito's refusals, which never say how long they last: hints from what Cognito
 * documents. A request rate quota clears within the second; a sign-in lockout starts at a second and
 * doubles up to about 15 minutes; the per-user limits on codes (wrong codes, code emails) count over an
 * hour, so a quarter of it is a fair first wait.
 */
const RETRY_AFTER = { throttled: 1, signInLockout: 60, attemptLimit: 900 } as const;
export const INVALID_CODE_MESSAGE = "The code is not valid. Check it, or ask for a new one.";
/** What a refused password is told: the pool's policy (core/password-policy.ts), which the Auth stack sets. */
export const PASSWORD_POLICY_MESSAGE = `The password is too weak. ${describePasswordPolicy()}`;

export function alreadyConfirmed(cause: unknown): AppError {
  return new ConflictError("This account is already confirmed; log in.", { code: "AlreadyConfirmed", cause });
}

/** The exception name of an error the Cognito service answered with; undefined for anything else. */
export function cognitoName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("$fault" in error) || !("$metadata" in error)) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === "string" ? name : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

/** Cognito's exceptions, mapped to what a client of this service should see. */
export function toAppError(error: unknown): AppError {
  const cause = error;
  switch (cognitoName(error)) {
    case "UsernameExistsException":
      return new ConflictError("An account with this email or username already exists.", { code: "UserExists", cause });
    case "InvalidPasswordException":
      return new ValidationError(PASSWORD_POLICY_MESSAGE, { code: "WeakPassword", cause });
    case "CodeMismatchException":
      return new ValidationError(INVALID_CODE_MESSAGE, { code: "InvalidCode", cause });
    case "ExpiredCodeException":
      return new ValidationError("The code has expired. Ask for a new one.", { code: "ExpiredCode", cause });
    case "NotAuthorizedException":
      // Cognito's lockout after repeated wrong passwords comes as NotAuthorizedException too.
      if (/attempts exceeded/i.test(messageOf(error))) {
        return new TooManyRequestsError("Too many failed attempts. Wait a while before trying again.", { cause, retryAfterSeconds: RETRY_AFTER.signInLockout });
      }
      return new UnauthorizedError(INVALID_CREDENTIALS_MESSAGE, { code: "InvalidCredentials", cause });
    case "UserNotFoundException":
      // Identical to a wrong password, so nobody can find out which emails have accounts.
      return new UnauthorizedError(INVALID_CREDENTIALS_MESSAGE, { code: "InvalidCredentials", cause });
    case "UserNotConfirmedException":
      return new ForbiddenError("Confirm your email address with the code we sent before logging in.", { code: "UserNotConfirmed", cause });
    case "PasswordResetRequiredException":
      return new ForbiddenError("This account's password must be reset before logging in.", { code: "PasswordResetRequired", cause });
    case "TooManyRequestsException":
      return new TooManyRequestsError("Too many requests. Try again shortly.", { cause, retryAfterSeconds: RETRY_AFTER.throttled });
    case "LimitExceededException":
    case "TooManyFailedAttemptsException":
      return new TooManyRequestsError("Too many attempts. Wait a while before trying again.", { cause, retryAfterSeconds: RETRY_AFTER.attemptLimit });
    case "InvalidParameterException":
      return new ValidationError("The request was not accepted: check the email, username, code and password.", { code: "InvalidParameter", cause });
    default:
      return new InternalError(undefined, { cause });
  }
}
