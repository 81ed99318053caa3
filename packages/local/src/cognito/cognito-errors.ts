/**
 * Errors the way Cognito's AWS JSON 1.1 protocol carries them: HTTP 400 (500 for its own faults), a body
 * `{"__type": "<Name>", "message": "..."}` and the `x-amzn-ErrorType` header. The SDK reads `__type` first
 * (then `code`, then the header) and builds the modelled exception class, so `error.name` on the client is
 * exactly the name given here.
 */
export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

const fail = (type: string) => (message: string) => new CognitoError(type, message);

export const InvalidParameter = fail("InvalidParameterException");
export const InvalidPassword = fail("InvalidPasswordException");
export const NotAuthorized = fail("NotAuthorizedException");
export const UsernameExists = fail("UsernameExistsException");
export const ResourceNotFound = fail("ResourceNotFoundException");
export const Unauthorized = fail("UnauthorizedException");
export const CodeMismatch = () => new CognitoError("CodeMismatchException", "Invalid verification code provided, please try again.");
export const ExpiredCode = () => new CognitoError("ExpiredCodeException", "Invalid code provided, please request a code again.");
export const LimitExceeded = () => new CognitoError("LimitExceededException", "Attempt limit exceeded, please try after some time.");
export const UserNotConfirmed = () => new CognitoError("UserNotConfirmedException", "User is not confirmed.");
export const UserNotFound = () => new CognitoError("UserNotFoundException", "User does not exist.");
export const EnableSoftwareTokenMfa = () =>
  new CognitoError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA mode");
export const SoftwareTokenReused = () => new CognitoError("ExpiredCodeException", "Your software token has already been used once.");
export const SoftwareTokenMfaNotFound = () =>
  new CognitoError("SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the user.");
export const AliasExists = () => new CognitoError("AliasExistsException", "An account with the given email already exists.");
export const UnsupportedTokenType = () => new CognitoError("UnsupportedTokenTypeException", "Unsupported token type.");

/** The message real Cognito gives for every failed sign-in, whether the user exists or not. */
export const INCORRECT_CREDENTIALS = "Incorrect username or password.";
/** What Cognito answers, as a NotAuthorizedException, while a sign-in name is locked out. */
export const PASSWORD_ATTEMPTS_EXCEEDED = "Password attempts exceeded";

/** AWS's wording for a request member that breaks the API model's constraints. */
export function constraintViolation(member: string, constraint: string, value?: unknown): CognitoError {
  const shown = value === undefined || value === null ? "Value null" : "Value";
  return InvalidParameter(`1 validation error detected: ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
}
