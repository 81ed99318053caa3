import { createDynamoMediaMaintenance, type DynamoMediaMaintenance } from "../adapters/dynamo-media-repository";
import { config, type FunctionsConfig } from "../config";
import { documentClients } from "./clients/dynamo-documents";

/** The composition root of the scheduled sweep (sweep.ts): the table's maintenance, DynamoDB alone. */
export function buildMaintenance(cfg: FunctionsConfig): DynamoMediaMaintenance {
  const { documents, writer } = documentClients(cfg.region);
  return createDynamoMediaMaintenance({ client: documents, writer, tableName: cfg.tableName });
}

let cached: DynamoMediaMaintenance | undefined;

export function maintenance(): DynamoMediaMaintenance {
  cached ??= buildMaintenance(config());
  return cached;
}
