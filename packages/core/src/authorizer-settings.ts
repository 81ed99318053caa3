/**
 * How long API Gateway reuses a Lambda authorizer's answer for the same Authorization header: never.
 * Written once, read by the Api stack (the authorizer's `resultsCacheTtl`) and by the local gateway,
 * which caches answers exactly as long.
 *
 * API Gateway's cache cannot be told that a token died, so with a TTL a token would outlive logout or a
 * password reset by up to that long. The authorizer stays cheap instead (an offline JWT check and one
 * GetItem of the user's session cut, packages/functions/src/authorizer.ts; a Cognito GetUser, which needs
 * no IAM, only for a token signed in during the second of its cut); the price is an authorizer
 * invocation per request.
 */
export const AUTHORIZER_CACHE_SECONDS = 0;
