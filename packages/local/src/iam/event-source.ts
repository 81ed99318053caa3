import type { LocalIam } from "./local-iam";

/**
 * Lambda polls an SQS event source with the function's own role, and refuses to create the mapping
 * when that role cannot receive, delete and re-time messages of the queue. The local queue hands
 * batches to the indexer directly, so the same check is made once at start: a stack that lost one of
 * these grants stops `npm start` as it would stop the deploy.
 */
export const EVENT_SOURCE_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"] as const;

export function requireEventSourceGrants(iam: LocalIam, functionName: string, queueArn: string): void {
  const key = iam.credentialsFor(functionName).accessKeyId;
  const missing = EVENT_SOURCE_ACTIONS.filter((action) => !iam.allows(key, { action, resource: queueArn }));
  if (missing.length > 0) {
    throw new Error(`${functionName} cannot consume ${queueArn}: its role lacks ${missing.join(", ")} (Lambda refuses such an event source mapping)`);
  }
}
