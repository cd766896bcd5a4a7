import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../lambda/adapters/dynamodb/create-tables';
import { tableDefinitions, tableRoles, type TableRole } from '../../lambda/adapters/dynamodb/tables';
import { localDynamoDbClient } from '../../lib/local/dynamodb-local';

export type TableNames = Record<TableRole, string>;

export function testDynamoDbEndpoint(): string {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run tests through jest (global setup).');
  return endpoint;
}

/** A client for the run's DynamoDB Local and fresh tables, built from the stack's definitions. */
export async function createTestTables(): Promise<{
  client: DynamoDBClient;
  tables: TableNames;
  drop(): Promise<void>;
}> {
  const client = localDynamoDbClient(testDynamoDbEndpoint());
  const suffix = randomUUID().slice(0, 8);
  const tables = Object.fromEntries(tableRoles.map((role) => [role, `${role}-${suffix}`])) as TableNames;
  await Promise.all(tableRoles.map((role) => ensureTable(client, tables[role], tableDefinitions[role])));
  return {
    client,
    tables,
    async drop() {
      await Promise.all(
        Object.values(tables).map((TableName) => client.send(new DeleteTableCommand({ TableName }))),
      );
      client.destroy();
    },
  };
}
