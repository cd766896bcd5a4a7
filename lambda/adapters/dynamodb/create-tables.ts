import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { KeyAttribute, TableDefinition } from './tables';

/** CreateTable input for DynamoDB Local; on AWS the CDK stack creates the tables. */
export function toCreateTableInput(tableName: string, def: TableDefinition): CreateTableCommandInput {
  const keys = [
    def.partitionKey,
    def.sortKey,
    ...def.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const attributes = new Map<string, KeyAttribute>();
  for (const key of keys) if (key) attributes.set(key.name, key);
  const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    ...(def.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }),
    AttributeDefinitions: [...attributes.values()].map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((i) => ({
        IndexName: i.indexName,
        KeySchema: keySchema(i.partitionKey, i.sortKey),
        Projection:
          i.projection === 'all'
            ? { ProjectionType: 'ALL' as const }
            : i.projection === 'keys'
              ? { ProjectionType: 'KEYS_ONLY' as const }
              : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: i.projection },
      })),
    }),
  };
}

/** Creates the table if it does not exist yet (idempotent, so `npm start` can reuse a persisted DB). */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  def: TableDefinition,
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(toCreateTableInput(tableName, def)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await addMissingIndexes(client, tableName, def);
  if (def.timeToLiveAttribute) {
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
        }),
      )
      .catch((error: Error) => {
        // Enabling TTL twice is an error on DynamoDB; the setting is what we wanted either way.
        if (!/already enabled/i.test(error.message)) throw error;
      });
  }
}

/** A table kept from an older version (`npm start -- --persist`) gets the indexes added since. */
async function addMissingIndexes(client: DynamoDBClient, tableName: string, def: TableDefinition) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const wanted = toCreateTableInput(tableName, def);
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
  }
}
