import { SESv2Client } from "@aws-sdk/client-sesv2";
import { clientCredentials } from "../../credentials";
import { traced } from "../../tracing";

/** The SES client of the service's own notices; see dynamo.ts for endpoints and credentials. */
export function sesClient(region: string): SESv2Client {
  return traced(new SESv2Client({ region, ...clientCredentials() }));
}
