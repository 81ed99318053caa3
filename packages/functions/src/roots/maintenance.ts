import type { MultipartDeps } from "@media/core/multipart-upload";
import { createDynamoMediaMaintenance, createDynamoMediaRepository, type DynamoMediaMaintenance } from "../adapters/dynamo-media-repository";
import { createS3ObjectStorage } from "../adapters/s3-object-storage";
import { clock } from "../clock";
import { config, type FunctionsConfig } from "../config";
import { documentClients } from "./clients/dynamo-documents";
import { s3Client } from "./clients/s3";

/**
 * The composition root of the scheduled sweep (sweep.ts): the table's maintenance, and the records and
 * S3 calls that find and abort multipart uploads no pending record names any more. No SNS, no Cognito.
 */
export function buildMaintenance(cfg: FunctionsConfig): DynamoMediaMaintenance {
  const { documents, writer } = tableClients(cfg.region);
  return createDynamoMediaMaintenance({ client: documents, writer, tableName: cfg.tableName });
}

export function buildUploadMaintenance(cfg: FunctionsConfig): MultipartDeps {
  const { documents, writer } = tableClients(cfg.region);
  return {
    repo: createDynamoMediaRepository({ client: documents, writer, tableName: cfg.tableName }),
    storage: createS3ObjectStorage({ client: s3Client(cfg.region, cfg.s3ForcePathStyle), bucket: cfg.bucketName }),
    clock: clock(),
  };
}

/** One pair of DynamoDB clients for both halves of the sweep, not a pair each. */
let clients: { region: string; pair: ReturnType<typeof documentClients> } | undefined;

function tableClients(region: string): ReturnType<typeof documentClients> {
  if (clients?.region !== region) clients = { region, pair: documentClients(region) };
  return clients.pair;
}

let cached: DynamoMediaMaintenance | undefined;
let cachedUploads: MultipartDeps | undefined;

export function maintenance(): DynamoMediaMaintenance {
  cached ??= buildMaintenance(config());
  return cached;
}

export function uploadMaintenance(): MultipartDeps {
  cachedUploads ??= buildUploadMaintenance(config());
  return cachedUploads;
}
