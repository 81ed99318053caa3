import type { MediaRepository, ObjectStorage, UploadStorage } from "@media/core/ports";
import { createDynamoMediaRepository } from "../adapters/dynamo-media-repository";
import type { FunctionsConfig } from "../config";
import { documentClients } from "./clients/dynamo-documents";
import { buildS3Storage } from "./s3-storage";

/**
 * A user's media as stored: the records on DynamoDB and the objects on S3, wired one way for every root
 * that reads or removes them. The roots that also announce media events take media.ts, which adds SNS;
 * those that do not (a person's account as data) take this alone, and their bundles hold no SNS client.
 */
export interface MediaStore {
  documents: ReturnType<typeof documentClients>;
  repo: MediaRepository;
  storage: ObjectStorage & UploadStorage;
}

export function buildMediaStore(cfg: FunctionsConfig): MediaStore {
  const documents = documentClients(cfg.region);
  return {
    documents,
    repo: createDynamoMediaRepository({ client: documents.documents, writer: documents.writer, tableName: cfg.tableName }),
    storage: buildS3Storage(cfg),
  };
}
