import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { clientCredentials } from "../../credentials";
import { traced } from "../../tracing";

/**
 * A plain DynamoDB client as every root builds it. Endpoints are the SDK's business: on AWS the
 * defaults, locally the standard `AWS_ENDPOINT_URL_DYNAMODB` the local runtime sets; credentials come
 * from credentials.ts (the default chain on AWS, the invoked function's own key locally); it is traced
 * when the stage turns X-Ray on (tracing.ts).
 */
export function dynamoClient(region: string, options: Pick<DynamoDBClientConfig, "cacheMiddleware"> = {}): DynamoDBClient {
  return traced(new DynamoDBClient({ region, ...options, ...clientCredentials() }));
}
