import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./dynamo";

/**
 * The document client over a plain one, and a second plain client for the writes of every presign and
 * index: a plain client may cache its resolved middleware, the document client may not
 * (dynamo-media-repository.ts). Only the roots whose adapters read and write whole records load it.
 */
export function documentClients(region: string): { documents: DynamoDBDocumentClient; writer: ReturnType<typeof dynamoClient> } {
  return {
    documents: DynamoDBDocumentClient.from(dynamoClient(region), { marshallOptions: { removeUndefinedValues: true } }),
    writer: dynamoClient(region, { cacheMiddleware: true }),
  };
}
