import type { EventPublisher, MediaRepository, ObjectStorage, UploadStorage } from "@media/core/ports";
import { createDynamoMediaRepository } from "../adapters/dynamo-media-repository";
import { createS3ObjectStorage } from "../adapters/s3-object-storage";
import { createSnsEventPublisher } from "../adapters/sns-event-publisher";
import type { FunctionsConfig } from "../config";
import { documentClients } from "./clients/dynamo-documents";
import { s3Client } from "./clients/s3";
import { snsClient } from "./clients/sns";

/**
 * The adapters of a user's media that the library routes and the indexer share: the records on
 * DynamoDB, the objects on S3, the media events on SNS. Each root that needs them builds its own set
 * (library.ts, indexing.ts): one module, so they are wired one way.
 */
export interface MediaAdapters {
  documents: ReturnType<typeof documentClients>;
  repo: MediaRepository;
  storage: ObjectStorage & UploadStorage;
  events: EventPublisher;
}

export function buildMediaAdapters(cfg: FunctionsConfig): MediaAdapters {
  const documents = documentClients(cfg.region);
  return {
    documents,
    repo: createDynamoMediaRepository({ client: documents.documents, writer: documents.writer, tableName: cfg.tableName }),
    storage: createS3ObjectStorage({ client: s3Client(cfg.region, cfg.s3ForcePathStyle), bucket: cfg.bucketName }),
    events: createSnsEventPublisher({ client: snsClient(cfg.region), topicArn: cfg.topicArn }),
  };
}
