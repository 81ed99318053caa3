import { S3Client } from "@aws-sdk/client-s3";
import { s3ClientOptions } from "../../adapters/s3-object-storage";
import { clientCredentials } from "../../credentials";
import { traced } from "../../tracing";

/** The S3 client, built for presigning as browsers need it (s3ClientOptions); see dynamo.ts for endpoints and credentials. */
export function s3Client(region: string, forcePathStyle: boolean): S3Client {
  return traced(new S3Client({ ...s3ClientOptions(region, forcePathStyle), ...clientCredentials() }));
}
