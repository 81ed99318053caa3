import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "@media/core/table";

/**
 * The table as a CreateTable request, built from the one table definition in core. The local runtime and
 * the tests create their dynalite table with it; the Storage stack declares the same shape through CDK.
 * TTL (`TABLE.timeToLiveAttribute`) is not part of CreateTable, and dynalite neither accepts
 * UpdateTimeToLive nor expires items, which is why the repository filters dead pending records itself.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const index = TABLE.byKindIndex;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: TABLE.partitionKey, AttributeType: "S" },
      { AttributeName: TABLE.sortKey, AttributeType: "S" },
      { AttributeName: index.partitionKey, AttributeType: "S" },
      { AttributeName: index.sortKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" },
          { AttributeName: index.sortKey, KeyType: "RANGE" },
        ],
        // ALL: a kind-filtered listing returns whole records without a second read per item.
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

/**
 * Creates the table unless it exists, then waits until it and its index are ACTIVE (dynalite, like
 * DynamoDB, keeps a new table CREATING for a while and refuses item operations meanwhile).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, options: { timeoutMs?: number } = {}): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
      if (Table?.TableStatus === "ACTIVE" && indexesActive) return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE in time.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
