import type { MediaRepository } from "@media/core/ports";
import { createDynamoMediaRepository } from "../adapters/dynamo-media-repository";
import type { FunctionsConfig } from "../config";
import { documentClients } from "./clients/dynamo-documents";

/**
 * A user's media records on DynamoDB, wired one way: with the objects on S3 in media-store.ts, or alone
 * for a root that loads S3 on demand (account-export.ts).
 */
export interface MediaRecords {
  documents: ReturnType<typeof documentClients>;
  repo: MediaRepository;
}

export function buildMediaRecords(cfg: FunctionsConfig): MediaRecords {
  const documents = documentClients(cfg.region);
  return { documents, repo: createDynamoMediaRepository({ client: documents.documents, writer: documents.writer, tableName: cfg.tableName }) };
}
