import { SNSClient } from "@aws-sdk/client-sns";
import { clientCredentials } from "../../credentials";
import { traced } from "../../tracing";

/** The SNS client of the media events; see dynamo.ts for endpoints and credentials. */
export function snsClient(region: string): SNSClient {
  return traced(new SNSClient({ region, ...clientCredentials() }));
}
