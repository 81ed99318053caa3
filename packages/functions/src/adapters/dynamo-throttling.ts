import { TooManyRequestsError } from "@media/core/errors";

/**
 * DynamoDB throttling (after the SDK's own retries) as a 429, for calls through any client: the plain
 * one of the lean functions (auth routes, authorizer) and the document client alike.
 */
const THROTTLING = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

/** Throttling becomes a 429; anything else propagates as it is. */
export async function call<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof Error && THROTTLING.has(error.name)) throw new TooManyRequestsError("The database is busy; try again shortly.", { cause: error });
    throw error;
  }
}
