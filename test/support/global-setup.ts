import { startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local';
import { freePort } from '../../lib/local/ports';

declare global {
  var dynamoDbLocal: DynamoDbLocal | undefined;
}

/** One DynamoDB Local for the whole run; every test file makes its own uniquely named tables. */
export default async function globalSetup(): Promise<void> {
  const db = await startDynamoDbLocal({ port: await freePort() });
  globalThis.dynamoDbLocal = db;
  // Workers are forked after this and inherit the variable.
  process.env.TEST_DYNAMODB_ENDPOINT = db.endpoint;
}
